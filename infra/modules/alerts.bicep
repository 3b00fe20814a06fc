// What someone must hear about without watching a dashboard: a mentor's urgent wellbeing answer nobody has seen, payouts that
// fail or stop going out, and the API failing. Each alert mails the agency's operators.
param name string
param tags object

@description('Where alerts go: the agency\'s operators (a shared mailbox, not one person).')
param alertEmail string

param appInsightsId string
param appInsightsLocation string
param siteId string
param cosmosId string
param redisId string

resource operators 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: 'ag-${name}'
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'sc-ops'
    enabled: true
    emailReceivers: [{ name: 'operators', emailAddress: alertEmail, useCommonAlertSchema: true }]
  }
}

// The app's own measurements (AppMetrics), in Application Insights: counts and timings, never whose they were. A count
// (another urgent answer unseen, another payout failed) mails each time it rises, looked at every quarter hour over the
// half hour before (a count that arrives late is still seen; one may be mailed twice) and never marked resolved by itself; a level (how long payouts wait, how slow chat is) mails once until it is back to normal.
var appAlerts = [
  {
    key: 'urgent-answer-unseen'
    severity: 0
    description: 'An urgent wellbeing answer has gone an hour without a supervisor seeing it.'
    query: 'customMetrics | where name == "survivorconnect.supervision.urgent_flags_unseen" | summarize n = sum(valueSum)'
    aggregation: 'Total'
    threshold: 0
    counts: true
  }
  {
    key: 'payouts-failed'
    severity: 2
    description: 'A payout failed or was reversed: finance is told in the portal; check Stripe\'s dashboard.'
    query: 'customMetrics | where name == "survivorconnect.payouts.transitions" and tostring(customDimensions.state) in ("Failed", "Reversed") | summarize n = sum(valueSum)'
    aggregation: 'Total'
    threshold: 0
    counts: true
  }
  {
    key: 'payouts-stuck'
    severity: 1
    description: 'An approved payout has waited 15 minutes to be sent: Stripe down, or payees not onboarded.'
    query: 'customMetrics | where name == "survivorconnect.payouts.outbox_age" | summarize n = max(valueMax)'
    aggregation: 'Maximum'
    threshold: 900
    counts: false
  }
  {
    key: 'chat-slow'
    severity: 2
    description: 'Chat messages take over a second on average to be stored.'
    query: 'customMetrics | where name == "survivorconnect.chat.send_duration" | summarize n = sum(valueSum) / sum(valueCount)'
    aggregation: 'Average'
    threshold: 1000
    counts: false
  }
]

resource appAlert 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = [for alert in appAlerts: {
  name: 'alert-${alert.key}-${name}'
  location: appInsightsLocation
  tags: tags
  properties: {
    displayName: alert.key
    description: alert.description
    severity: alert.severity
    enabled: true
    scopes: [appInsightsId]
    evaluationFrequency: 'PT15M'
    windowSize: alert.counts ? 'PT30M' : 'PT1H'
    autoMitigate: !alert.counts
    criteria: {
      allOf: [
        {
          query: alert.query
          metricMeasureColumn: 'n'
          timeAggregation: alert.aggregation
          operator: 'GreaterThan'
          threshold: alert.threshold
          failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
        }
      ]
    }
    actions: { actionGroups: [operators.id] }
  }
}]

// The platform's measurements (docs/operations.md, "What to monitor and alert on").
var platformAlerts = [
  {
    key: 'server-errors'
    severity: 1
    description: 'The API answered with a server error (it answers bad input with 4xx).'
    scope: siteId
    metric: 'Http5xx'
    aggregation: 'Total'
    operator: 'GreaterThan'
    threshold: 0
    dimensions: []
  }
  {
    key: 'store-outage'
    severity: 1
    description: 'Instances of the API are failing their health check, which checks the store.'
    scope: siteId
    metric: 'HealthCheckStatus'
    aggregation: 'Average'
    operator: 'LessThan'
    threshold: 100
    dimensions: []
  }
  {
    key: 'redis-errors'
    severity: 1
    description: 'Redis (chat across instances, sign-in keys) is reporting errors.'
    scope: redisId
    metric: 'errors'
    aggregation: 'Maximum'
    operator: 'GreaterThan'
    threshold: 0
    dimensions: []
  }
  {
    key: 'cosmos-throttled'
    severity: 2
    description: 'Cosmos DB is refusing requests for want of throughput (the app retries, then answers 503).'
    scope: cosmosId
    metric: 'TotalRequests'
    aggregation: 'Count'
    operator: 'GreaterThan'
    threshold: 0
    dimensions: [{ name: 'StatusCode', operator: 'Include', values: ['429'] }]
  }
]

resource platformAlert 'Microsoft.Insights/metricAlerts@2018-03-01' = [for alert in platformAlerts: {
  name: 'alert-${alert.key}-${name}'
  location: 'global'
  tags: tags
  properties: {
    description: alert.description
    severity: alert.severity
    enabled: true
    scopes: [alert.scope]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: alert.key
          metricName: alert.metric
          timeAggregation: alert.aggregation
          operator: alert.operator
          threshold: alert.threshold
          dimensions: alert.dimensions
        }
      ]
    }
    actions: [{ actionGroupId: operators.id }]
  }
}]
