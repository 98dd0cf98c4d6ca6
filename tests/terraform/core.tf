# EventBridge, SQS and SNS: every resource type of the services eventyard serves,
# created, re-planned (no changes) and destroyed by tests/test_terraform.py.
# The provider block and var.suffix come from the test (provider.tf).

# -- SQS ---------------------------------------------------------------------
resource "aws_sqs_queue" "dead_letters" {
  name                      = "ty-dead-letters-${var.suffix}"
  message_retention_seconds = 1209600
  tags                      = { team = "yard", purpose = "dead-letters" }
}

# Only the orders queue may use dead_letters as its DLQ (its own resource: inline, the
# policy would name the orders queue, which names dead_letters: a cycle).
resource "aws_sqs_queue_redrive_allow_policy" "dead_letters" {
  queue_url = aws_sqs_queue.dead_letters.id
  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.orders.arn]
  })
}

resource "aws_sqs_queue" "orders" {
  name                       = "ty-orders-${var.suffix}"
  visibility_timeout_seconds = 45
  delay_seconds              = 2
  receive_wait_time_seconds  = 10
  max_message_size           = 131072
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dead_letters.arn
    maxReceiveCount     = 4
  })
  tags = { team = "yard" }
}

resource "aws_sqs_queue" "fifo" {
  name                        = "ty-ledger-${var.suffix}.fifo"
  fifo_queue                  = true
  content_based_deduplication = true
  deduplication_scope         = "messageGroup"
  fifo_throughput_limit       = "perMessageGroupId"
  # the ledger is never anyone's dead-letter queue
  redrive_allow_policy = jsonencode({ redrivePermission = "denyAll" })
}

resource "aws_sqs_queue_policy" "orders" {
  queue_url = aws_sqs_queue.orders.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "FromTopic"
        Effect    = "Allow"
        Principal = { Service = "sns.amazonaws.com" }
        Action    = "sqs:SendMessage"
        Resource  = aws_sqs_queue.orders.arn
        Condition = { ArnEquals = { "aws:SourceArn" = aws_sns_topic.orders.arn } }
      },
      {
        Sid       = "FromRules"
        Effect    = "Allow"
        Principal = { Service = "events.amazonaws.com" }
        Action    = "sqs:SendMessage"
        Resource  = aws_sqs_queue.orders.arn
      },
    ]
  })
}

# -- SNS ---------------------------------------------------------------------
resource "aws_sns_topic" "orders" {
  name         = "ty-orders-${var.suffix}"
  display_name = "Orders"
  tags         = { team = "yard" }
}

resource "aws_sns_topic" "ledger" {
  name                        = "ty-ledger-${var.suffix}.fifo"
  fifo_topic                  = true
  content_based_deduplication = true
}

resource "aws_sns_topic_policy" "orders" {
  arn = aws_sns_topic.orders.arn
  policy = jsonencode({
    Version = "2012-10-17"
    Id      = "orders-topic"
    Statement = [{
      Sid       = "PublishFromRules"
      Effect    = "Allow"
      Principal = { Service = "events.amazonaws.com" }
      Action    = "sns:Publish"
      Resource  = aws_sns_topic.orders.arn
    }]
  })
}

resource "aws_sns_topic_subscription" "orders" {
  topic_arn            = aws_sns_topic.orders.arn
  protocol             = "sqs"
  endpoint             = aws_sqs_queue.orders.arn
  raw_message_delivery = true
  filter_policy_scope  = "MessageBody"
  filter_policy = jsonencode({
    kind  = ["order"]
    total = [{ numeric = [">", 100] }]
  })
  redrive_policy = jsonencode({ deadLetterTargetArn = aws_sqs_queue.dead_letters.arn })
}

resource "aws_sns_topic_subscription" "ledger" {
  topic_arn           = aws_sns_topic.ledger.arn
  protocol            = "sqs"
  endpoint            = aws_sqs_queue.fifo.arn
  filter_policy       = jsonencode({ region = ["eu", "us"] })
  filter_policy_scope = "MessageAttributes"
}

# -- EventBridge ---------------------------------------------------------------
resource "aws_cloudwatch_event_bus" "orders" {
  name = "ty-orders-${var.suffix}"
  tags = { team = "yard" }
}

resource "aws_cloudwatch_event_rule" "placed" {
  name           = "ty-placed-${var.suffix}"
  description    = "Orders placed"
  event_bus_name = aws_cloudwatch_event_bus.orders.name
  event_pattern = jsonencode({
    source      = ["shop.orders"]
    detail-type = ["OrderPlaced"]
    detail      = { total = [{ numeric = [">", 0] }] }
  })
  tags = { team = "yard" }
}

resource "aws_cloudwatch_event_rule" "nightly" {
  name                = "ty-nightly-${var.suffix}"
  schedule_expression = "cron(0 3 * * ? *)"
  state               = "DISABLED"
}

resource "aws_cloudwatch_event_target" "placed_to_queue" {
  rule           = aws_cloudwatch_event_rule.placed.name
  event_bus_name = aws_cloudwatch_event_bus.orders.name
  target_id      = "orders-queue"
  arn            = aws_sqs_queue.orders.arn

  input_transformer {
    input_paths = {
      id    = "$.detail.id"
      total = "$.detail.total"
    }
    input_template = "{\"order\": <id>, \"total\": <total>}"
  }
  dead_letter_config {
    arn = aws_sqs_queue.dead_letters.arn
  }
  retry_policy {
    maximum_event_age_in_seconds = 3600
    maximum_retry_attempts       = 5
  }
}

resource "aws_cloudwatch_event_target" "nightly_to_ledger" {
  rule      = aws_cloudwatch_event_rule.nightly.name
  target_id = "ledger"
  arn       = aws_sqs_queue.fifo.arn
  sqs_target {
    message_group_id = "nightly"
  }
}

resource "aws_cloudwatch_event_archive" "orders" {
  name             = "ty-orders-${var.suffix}"
  description      = "Every order event"
  event_source_arn = aws_cloudwatch_event_bus.orders.arn
  retention_days   = 7
  event_pattern    = jsonencode({ source = ["shop.orders"] })
}

resource "aws_cloudwatch_event_connection" "partner" {
  name               = "ty-partner-${var.suffix}"
  description        = "Partner webhook"
  authorization_type = "API_KEY"
  auth_parameters {
    api_key {
      key   = "x-api-key"
      value = "not-a-real-key"
    }
  }
}

resource "aws_cloudwatch_event_api_destination" "partner" {
  name                             = "ty-partner-${var.suffix}"
  description                      = "Partner order hook"
  invocation_endpoint              = "https://partner.example.com/orders/*"
  http_method                      = "POST"
  invocation_rate_limit_per_second = 20
  connection_arn                   = aws_cloudwatch_event_connection.partner.arn
}

resource "aws_cloudwatch_event_bus_policy" "orders" {
  event_bus_name = aws_cloudwatch_event_bus.orders.name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "PartnerPuts"
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::111122223333:root" }
      Action    = "events:PutEvents"
      Resource  = aws_cloudwatch_event_bus.orders.arn
    }]
  })
}

resource "aws_cloudwatch_event_permission" "partner" {
  principal    = "111122223333"
  statement_id = "PartnerOnDefault"
  action       = "events:PutEvents"
}
