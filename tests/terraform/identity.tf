# IAM: a function's execution role, a managed and an inline policy, a deploying user with
# an access key, and the group it belongs to. Included by tests/test_terraform.py once
# the server serves IAM.

resource "aws_iam_role" "worker" {
  name                 = "ty-worker-${var.suffix}"
  path                 = "/service/"
  description          = "Runs the order workers"
  max_session_duration = 7200
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
  tags = { team = "yard" }
}

resource "aws_iam_policy" "publish" {
  name        = "ty-publish-${var.suffix}"
  description = "Publish order events"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["events:PutEvents", "sns:Publish"]
      Resource = [aws_cloudwatch_event_bus.orders.arn, aws_sns_topic.orders.arn]
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
      Action   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]
      Resource = aws_sqs_queue.orders.arn
    }]
  })
}

resource "aws_iam_user" "deployer" {
  name = "ty-deployer-${var.suffix}"
  path = "/ci/"
  tags = { team = "yard" }
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
