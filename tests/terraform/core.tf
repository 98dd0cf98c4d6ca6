# EventBridge, SQS and SNS: every resource type of the services eventyard serves,
# created, re-planned (no changes) and destroyed by tests/test_terraform.py.
# The provider block, var.account, var.suffix and var.revision come from the test (provider.tf): it
# applies revision 1, then revision 2 (updates of every kind: attributes, tags added and
# removed, policies, patterns), and re-plans after each.

locals {
  second = var.revision >= 2
}

# -- SQS ---------------------------------------------------------------------
locals {
  # Named rather than referenced where a reference would chain the provider's queue
  # waiters (about 25 s each) one after another.
  orders_queue_arn = "arn:aws:sqs:us-east-1:${var.account}:ty-orders-${var.suffix}"
}

resource "aws_sqs_queue" "dead_letters" {
  name                              = "ty-dead-letters-${var.suffix}"
  message_retention_seconds         = 1209600
  kms_master_key_id                 = "alias/aws/sqs"
  kms_data_key_reuse_period_seconds = 600
  tags                              = { team = "yard", purpose = "dead-letters" }
}

# Only the orders queue may use dead_letters as its DLQ.
resource "aws_sqs_queue_redrive_allow_policy" "dead_letters" {
  queue_url = aws_sqs_queue.dead_letters.id
  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [local.orders_queue_arn]
  })
}

# EventBridge and SNS may write failed deliveries into dead_letters.
resource "aws_sqs_queue_policy" "dead_letters" {
  queue_url = aws_sqs_queue.dead_letters.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "FailedRuleDeliveries"
        Effect    = "Allow"
        Principal = { Service = "events.amazonaws.com" }
        Action    = "sqs:SendMessage"
        Resource  = aws_sqs_queue.dead_letters.arn
        Condition = { ArnEquals = { "aws:SourceArn" = aws_cloudwatch_event_rule.placed.arn } }
      },
      {
        Sid       = "FailedTopicDeliveries"
        Effect    = "Allow"
        Principal = { Service = "sns.amazonaws.com" }
        Action    = "sqs:SendMessage"
        Resource  = aws_sqs_queue.dead_letters.arn
        Condition = { ArnEquals = { "aws:SourceArn" = aws_sns_topic.orders.arn } }
      },
    ]
  })
}

resource "aws_sqs_queue" "orders" {
  name                       = "ty-orders-${var.suffix}"
  visibility_timeout_seconds = local.second ? 60 : 45
  delay_seconds              = 2
  receive_wait_time_seconds  = 10
  max_message_size           = 131072
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dead_letters.arn
    maxReceiveCount     = local.second ? 5 : 4
  })
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "FromTopic"
        Effect    = "Allow"
        Principal = { Service = "sns.amazonaws.com" }
        Action    = "sqs:SendMessage"
        Resource  = local.orders_queue_arn
        Condition = { ArnEquals = { "aws:SourceArn" = aws_sns_topic.orders.arn } }
      },
      {
        Sid       = "FromRules"
        Effect    = "Allow"
        Principal = { Service = "events.amazonaws.com" }
        Action    = "sqs:SendMessage"
        Resource  = local.orders_queue_arn
      },
    ]
  })
  tags = local.second ? { team = "yard", stage = "live" } : { team = "yard", owner = "orders" }
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

# -- SNS ---------------------------------------------------------------------
resource "aws_sns_topic" "orders" {
  name              = "ty-orders-${var.suffix}"
  display_name      = local.second ? "Orders (live)" : "Orders"
  signature_version = 2
  tracing_config    = "Active"
  delivery_policy = jsonencode({
    http = {
      defaultHealthyRetryPolicy = {
        minDelayTarget     = 5
        maxDelayTarget     = 30
        numRetries         = local.second ? 8 : 5
        numNoDelayRetries  = 0
        numMinDelayRetries = 0
        numMaxDelayRetries = 0
        backoffFunction    = "exponential"
      }
      disableSubscriptionOverrides = false
    }
  })
  tags = local.second ? { team = "yard", stage = "live" } : { team = "yard", owner = "orders" }
}

resource "aws_sns_topic" "ledger" {
  name                        = "ty-ledger-${var.suffix}.fifo"
  fifo_topic                  = true
  content_based_deduplication = true
  fifo_throughput_scope       = "MessageGroup"
  archive_policy              = jsonencode({ MessageRetentionPeriod = local.second ? 14 : 7 })
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
    total = [{ numeric = [">", local.second ? 250 : 100] }]
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
  name        = "ty-orders-${var.suffix}"
  description = local.second ? "Orders of the shop (live)" : "Orders of the shop"
  dead_letter_config {
    arn = aws_sqs_queue.dead_letters.arn
  }
  tags = local.second ? { team = "yard", stage = "live" } : { team = "yard", owner = "orders" }
}

resource "aws_cloudwatch_event_rule" "placed" {
  name           = "ty-placed-${var.suffix}"
  description    = local.second ? "Orders placed (live)" : "Orders placed"
  event_bus_name = aws_cloudwatch_event_bus.orders.name
  event_pattern = jsonencode({
    source      = ["shop.orders"]
    detail-type = local.second ? ["OrderPlaced", "OrderAmended"] : ["OrderPlaced"]
    detail      = { total = [{ numeric = [">", 0] }] }
  })
  tags = local.second ? { team = "yard", stage = "live" } : { team = "yard", owner = "orders" }
}

resource "aws_cloudwatch_event_rule" "nightly" {
  name                = "ty-nightly-${var.suffix}"
  schedule_expression = "cron(0 3 * * ? *)"
  state               = local.second ? "ENABLED" : "DISABLED"
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
    maximum_retry_attempts       = local.second ? 8 : 5
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
  retention_days   = local.second ? 14 : 7
  event_pattern    = jsonencode({ source = ["shop.orders"] })
}

resource "aws_cloudwatch_event_connection" "partner" {
  name               = "ty-partner-${var.suffix}"
  description        = "Partner webhook"
  authorization_type = "API_KEY"
  auth_parameters {
    api_key {
      key   = "x-api-key"
      value = local.second ? "another-fake-key" : "not-a-real-key"
    }
  }
}

resource "aws_cloudwatch_event_api_destination" "partner" {
  name                             = "ty-partner-${var.suffix}"
  description                      = "Partner order hook"
  invocation_endpoint              = "https://partner.example.com/orders/*"
  http_method                      = "POST"
  invocation_rate_limit_per_second = local.second ? 50 : 20
  connection_arn                   = aws_cloudwatch_event_connection.partner.arn
}

resource "aws_cloudwatch_event_connection" "warehouse" {
  name               = "ty-warehouse-${var.suffix}"
  authorization_type = "BASIC"
  auth_parameters {
    basic {
      username = "yard"
      password = "not-a-real-password"
    }
    invocation_http_parameters {
      header {
        key             = "x-tenant"
        value           = "shop"
        is_value_secret = false
      }
      header {
        key             = "x-signature"
        value           = "not-a-real-signature"
        is_value_secret = true
      }
      query_string {
        key             = "source"
        value           = "eventyard"
        is_value_secret = false
      }
      body {
        key             = "channel"
        value           = local.second ? "live" : "test"
        is_value_secret = false
      }
    }
  }
}

resource "aws_cloudwatch_event_api_destination" "warehouse" {
  name                = "ty-warehouse-${var.suffix}"
  invocation_endpoint = "https://warehouse.example.com/orders/*/reserve"
  http_method         = "PUT"
  connection_arn      = aws_cloudwatch_event_connection.warehouse.arn
}

resource "aws_cloudwatch_event_target" "placed_to_warehouse" {
  rule           = aws_cloudwatch_event_rule.placed.name
  event_bus_name = aws_cloudwatch_event_bus.orders.name
  target_id      = "warehouse"
  arn            = aws_cloudwatch_event_api_destination.warehouse.arn
  role_arn       = "arn:aws:iam::000000000000:role/ty-invoke-api-destinations"
  input_path     = "$.detail"
  http_target {
    path_parameter_values   = ["$.detail.id"]
    header_parameters       = { "x-order-source" = "$.source" }
    query_string_parameters = { priority = local.second ? "high" : "normal" }
  }
}

resource "aws_cloudwatch_event_bus_policy" "orders" {
  event_bus_name = aws_cloudwatch_event_bus.orders.name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "PartnerPuts"
      Effect    = "Allow"
      Principal = { AWS = local.second ? ["arn:aws:iam::111122223333:root", "arn:aws:iam::444455556666:root"] : ["arn:aws:iam::111122223333:root"] }
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

# -- data sources: what the provider reads of them --------------------------------
data "aws_sqs_queue" "orders" {
  name = aws_sqs_queue.orders.name
}

data "aws_sqs_queues" "yard" {
  queue_name_prefix = "ty-"
  depends_on        = [aws_sqs_queue.orders, aws_sqs_queue.dead_letters, aws_sqs_queue.fifo]
}

data "aws_sns_topic" "orders" {
  name = aws_sns_topic.orders.name
}

data "aws_cloudwatch_event_bus" "orders" {
  name = aws_cloudwatch_event_bus.orders.name
}

data "aws_cloudwatch_event_buses" "yard" {
  name_prefix = "ty-orders-"
  depends_on  = [aws_cloudwatch_event_bus.orders]
}

data "aws_cloudwatch_event_connection" "partner" {
  name = aws_cloudwatch_event_connection.partner.name
}

output "seen" {
  value = {
    queue_url         = data.aws_sqs_queue.orders.url
    queue_arn         = data.aws_sqs_queue.orders.arn
    queue_tags        = data.aws_sqs_queue.orders.tags
    queue_urls        = sort(data.aws_sqs_queues.yard.queue_urls)
    topic_arn         = data.aws_sns_topic.orders.arn
    bus_arn           = data.aws_cloudwatch_event_bus.orders.arn
    bus_description   = data.aws_cloudwatch_event_bus.orders.description
    bus_names         = [for bus in data.aws_cloudwatch_event_buses.yard.event_buses : bus.name]
    connection_arn    = data.aws_cloudwatch_event_connection.partner.arn
    connection_type   = data.aws_cloudwatch_event_connection.partner.authorization_type
    connection_secret = data.aws_cloudwatch_event_connection.partner.secret_arn
  }
}
