# Secrets Manager: a secret and its current value. Included by tests/test_terraform.py
# once the server serves Secrets Manager.

resource "aws_secretsmanager_secret" "partner" {
  name        = "ty/partner-${var.suffix}"
  description = local.second ? "Partner API credentials (live)" : "Partner API credentials"
  # destroyed at once, not scheduled: the test checks that it is gone
  recovery_window_in_days = 0
  tags                    = local.second ? { team = "yard", stage = "live" } : { team = "yard" }
}

resource "aws_secretsmanager_secret_version" "partner" {
  secret_id = aws_secretsmanager_secret.partner.id
  # revision 2 puts a new current version
  secret_string = jsonencode({ user = "yard", token = local.second ? "another-fake-token" : "not-a-real-token" })
}
