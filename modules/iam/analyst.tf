# Analyst access: one managed policy for people and BI tools that query the lake with Athena, and an
# optional role to carry it. It allows exactly: running and reading queries in the lake's workgroup (which
# enforces the result location, its encryption and the scan cutoff), reading the catalog entries of the
# readable layers' databases (gold; silver by lake.yaml `analyst_access.read_silver`), reading those layers'
# objects, writing and reading the workgroup's results, and the lake key for those reads and writes only
# through S3 and Glue. No bronze, quarantine, landing, rejected, scripts, state, ops, reports or temp
# prefixes, no other workgroup, no catalog writes. Attach it to an IAM Identity Center permission set, a
# user or group, or the role below (docs/operating-on-aws.md, "Give a person or a BI tool access").

locals {
  analyst_enabled = var.analyst_workgroup_name != null

  analyst_workgroup_arn = local.analyst_enabled ? "arn:${local.partition}:athena:${local.arn_tail}:workgroup/${var.analyst_workgroup_name}" : null
  # Athena's view of the Glue catalog: the JDBC/ODBC drivers and the console list databases and tables
  # through these data catalog actions before any query.
  athena_data_catalog_arn = "arn:${local.partition}:athena:${local.arn_tail}:datacatalog/AwsDataCatalog"

  analyst_layer_prefixes = [for key in var.analyst_layers : local.p[key]]
  analyst_results_prefix = local.p["athena_results"]

  # kms:ViaService: the key only for S3 (objects and results, SSE-KMS with bucket keys: the encryption
  # context is the bucket, so it cannot narrow to a prefix) and Glue (the catalog is encrypted with it).
  analyst_key_services = ["s3.${local.region}.amazonaws.com", "glue.${local.region}.amazonaws.com"]

  analyst_statements = !local.analyst_enabled ? [] : concat(
    [
      {
        sid = "QueryInTheLakeWorkgroup"
        actions = [
          "athena:StartQueryExecution", "athena:StopQueryExecution", "athena:GetQueryExecution",
          "athena:BatchGetQueryExecution", "athena:GetQueryResults", "athena:GetQueryResultsStream",
          "athena:GetQueryRuntimeStatistics", "athena:ListQueryExecutions", "athena:GetWorkGroup",
          "athena:ListNamedQueries", "athena:GetNamedQuery", "athena:BatchGetNamedQuery",
        ]
        resources  = [local.analyst_workgroup_arn]
        conditions = []
      },
      {
        sid        = "BrowseTheCatalogThroughAthena"
        actions    = ["athena:GetDataCatalog", "athena:ListDatabases", "athena:GetDatabase", "athena:ListTableMetadata", "athena:GetTableMetadata"]
        resources  = [local.athena_data_catalog_arn]
        conditions = []
      },
      {
        sid        = "ReadReadableLayersCatalog"
        actions    = local.catalog_read_actions
        resources  = concat([local.glue_catalog_arn], [for name in var.analyst_database_names : "arn:${local.partition}:glue:${local.arn_tail}:database/${name}"], [for name in var.analyst_database_names : "arn:${local.partition}:glue:${local.arn_tail}:table/${name}/*"])
        conditions = []
      },
      {
        sid        = "ReadReadableLayersObjects"
        actions    = ["s3:GetObject"]
        resources  = [for prefix in local.analyst_layer_prefixes : "${var.bucket_arn}/${prefix}*"]
        conditions = []
      },
      {
        # Athena lists a table's location (and writes results) as the caller.
        sid        = "ListReadableLayersAndResults"
        actions    = ["s3:ListBucket"]
        resources  = [var.bucket_arn]
        conditions = [{ test = "StringLike", variable = "s3:prefix", values = flatten([for prefix in concat(local.analyst_layer_prefixes, [local.analyst_results_prefix]) : [trimsuffix(prefix, "/"), "${prefix}*"]]) }]
      },
      local.locate_bucket_statement,
      {
        sid        = "WriteAndReadQueryResults"
        actions    = ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"]
        resources  = ["${var.bucket_arn}/${local.analyst_results_prefix}*"]
        conditions = []
      },
    ],
    var.kms_key_arn == null ? [] : [{
      sid        = "UseLakeKeyThroughS3AndGlue"
      actions    = ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"]
      resources  = [var.kms_key_arn]
      conditions = [{ test = "StringEquals", variable = "kms:ViaService", values = local.analyst_key_services }]
    }],
  )

  analyst_document = {
    Version = "2012-10-17"
    Statement = [for statement in local.analyst_statements : merge(
      { Sid = statement.sid, Effect = "Allow", Action = statement.actions, Resource = statement.resources },
      length(statement.conditions) == 0 ? {} : {
        Condition = { for test in distinct([for c in statement.conditions : c.test]) : test => {
          for c in statement.conditions : c.variable => c.values if c.test == test
        } }
      },
    )]
  }

  analyst_role_enabled = local.analyst_enabled && length(var.analyst_role_trusted_principals) > 0
}

resource "aws_iam_policy" "analyst" {
  count = local.analyst_enabled ? 1 : 0

  name        = "${var.name_prefix}-analyst"
  path        = var.role_path
  description = "Query the lake in Athena workgroup ${var.analyst_workgroup_name}: read ${join(", ", var.analyst_layers)} and write query results; nothing else."
  policy      = jsonencode(local.analyst_document)

  tags = local.tags
}

resource "aws_iam_role" "analyst" {
  count = local.analyst_role_enabled ? 1 : 0

  name                 = "${var.name_prefix}-analyst"
  description          = "Assumed by analysts and BI tools to query the lake (carries the analyst policy only)."
  path                 = var.role_path
  permissions_boundary = var.permissions_boundary_arn
  max_session_duration = var.max_session_duration
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "TrustedPrincipalsAssumeAnalystRole"
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { AWS = var.analyst_role_trusted_principals }
    }]
  })

  tags = local.tags
}

resource "aws_iam_role_policy_attachment" "analyst" {
  count = local.analyst_role_enabled ? 1 : 0

  role       = aws_iam_role.analyst[0].name
  policy_arn = aws_iam_policy.analyst[0].arn
}
