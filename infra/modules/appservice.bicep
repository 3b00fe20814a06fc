// App Service for the API, the portal and both SignalR hubs. Several instances: WebSockets on, ARR affinity on (a
// SignalR connection's negotiate and its transport must reach one instance), the Redis backplane between them, and
// autoscale on CPU between the bounds given. Secrets arrive as Key Vault references resolved with the identity.
param name string
param location string
param tags object
param identityId string

@description('App settings for the API (names with "__" for nested configuration keys).')
param appSettings object

@description('Instances when the app starts and the least autoscale keeps.')
@minValue(1)
param instanceCount int

@description('The most instances autoscale adds.')
@minValue(1)
param maxInstanceCount int

@description('Average CPU percentage above which an instance is added (and below half of which one is removed).')
@minValue(20)
@maxValue(95)
param scaleOutCpuPercent int

param skuName string = 'P1v3'

@description('The VNet subnet all the app\'s outbound traffic goes through, to the private endpoints.')
param subnetId string

resource plan 'Microsoft.Web/serverfarms@2023-12-01' = {
  name: 'plan-${name}'
  location: location
  tags: tags
  kind: 'linux'
  sku: { name: skuName, capacity: instanceCount }
  properties: { reserved: true }
}

resource site 'Microsoft.Web/sites@2023-12-01' = {
  name: name
  location: location
  tags: tags
  kind: 'app,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identityId}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    virtualNetworkSubnetId: subnetId
    vnetRouteAllEnabled: true
    clientAffinityEnabled: true
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      linuxFxVersion: 'DOTNETCORE|10.0'
      alwaysOn: true
      webSocketsEnabled: true
      http20Enabled: true
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      healthCheckPath: '/health/ready'
      appSettings: [for setting in items(appSettings): { name: setting.key, value: setting.value }]
    }
  }
}

// Deploys sign in with Entra ID (azd does); a publishing password would deploy code that runs as the identity.
resource ftpCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2023-12-01' = {
  parent: site
  name: 'ftp'
  properties: { allow: false }
}

resource scmCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2023-12-01' = {
  parent: site
  name: 'scm'
  properties: { allow: false }
}

resource autoscale 'Microsoft.Insights/autoscalesettings@2022-10-01' = {
  name: 'autoscale-${name}'
  location: location
  tags: tags
  properties: {
    enabled: true
    targetResourceUri: plan.id
    profiles: [
      {
        name: 'cpu'
        capacity: { minimum: string(instanceCount), maximum: string(max(instanceCount, maxInstanceCount)), default: string(instanceCount) }
        rules: [
          {
            metricTrigger: {
              metricName: 'CpuPercentage'
              metricResourceUri: plan.id
              timeGrain: 'PT1M'
              statistic: 'Average'
              timeWindow: 'PT10M'
              timeAggregation: 'Average'
              operator: 'GreaterThan'
              threshold: scaleOutCpuPercent
            }
            scaleAction: { direction: 'Increase', type: 'ChangeCount', value: '1', cooldown: 'PT10M' }
          }
          {
            metricTrigger: {
              metricName: 'CpuPercentage'
              metricResourceUri: plan.id
              timeGrain: 'PT1M'
              statistic: 'Average'
              timeWindow: 'PT20M'
              timeAggregation: 'Average'
              operator: 'LessThan'
              threshold: scaleOutCpuPercent / 2
            }
            scaleAction: { direction: 'Decrease', type: 'ChangeCount', value: '1', cooldown: 'PT20M' }
          }
        ]
      }
    ]
  }
}

output id string = site.id
output url string = 'https://${site.properties.defaultHostName}'
