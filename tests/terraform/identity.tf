# IAM: a function's execution role, a managed and an inline policy, a deploying user with
# an access key, and the group it belongs to. Included by tests/test_terraform.py once
# the server serves IAM. It names core.tf's resources by ARN only, so it also applies alone.

locals {
  orders_bus_arn   = "arn:aws:events:us-east-1:${var.account}:event-bus/ty-orders-${var.suffix}"
  orders_topic_arn = "arn:aws:sns:us-east-1:${var.account}:ty-orders-${var.suffix}"
  orders_queue     = "arn:aws:sqs:us-east-1:${var.account}:ty-orders-${var.suffix}"
}

resource "aws_iam_role" "worker" {
  name                 = "ty-worker-${var.suffix}"
  path                 = "/service/"
  description          = local.second ? "Runs the order workers (live)" : "Runs the order workers"
  max_session_duration = 7200
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
  tags = local.second ? { team = "yard", stage = "live" } : { team = "yard", owner = "orders" }
}

resource "aws_iam_policy" "publish" {
  name        = "ty-publish-${var.suffix}"
  description = "Publish order events"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect = "Allow"
      # revision 2 makes a second version of the policy, its default one
      Action   = local.second ? ["events:PutEvents", "sns:Publish", "sqs:SendMessage"] : ["events:PutEvents", "sns:Publish"]
      Resource = local.second ? [local.orders_bus_arn, local.orders_topic_arn, local.orders_queue] : [local.orders_bus_arn, local.orders_topic_arn]
    }]
  })
  tags = { team = "yard" }
}

resource "aws_iam_role_policy_attachment" "worker_publish" {
  role       = aws_iam_role.worker.name
  policy_arn = aws_iam_policy.publish.arn
}

resource "aws_iam_role_policy" "worker_reads_queues" {
  name = "read-queues"
  role = aws_iam_role.worker.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = local.second ? ["sqs:ReceiveMessage", "sqs:DeleteMessage"] : ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]
      Resource = local.orders_queue
    }]
  })
}

resource "aws_iam_user" "deployer" {
  name = "ty-deployer-${var.suffix}"
  path = "/ci/"
  tags = local.second ? { team = "yard", stage = "live" } : { team = "yard" }
}

resource "aws_iam_access_key" "deployer" {
  user = aws_iam_user.deployer.name
}

resource "aws_iam_group" "deployers" {
  name = "ty-deployers-${var.suffix}"
  path = "/ci/"
}

resource "aws_iam_group_membership" "deployers" {
  name  = "ty-deployers-${var.suffix}"
  group = aws_iam_group.deployers.name
  users = [aws_iam_user.deployer.name]
}
