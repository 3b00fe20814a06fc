// The API host: Linux App Service with WebSockets for SignalR, HTTPS only, readiness as health check.
param name string
param location string
param tags object
param identityId string
param identityClientId string
param appSettings object

resource plan 'Microsoft.Web/serverfarms@2023-12-01' = {
  name: 'plan-${name}'
  location: location
  tags: tags
  kind: 'linux'
  sku: { name: 'P0v3' }
  properties: { reserved: true }
}

resource app 'Microsoft.Web/sites@2023-12-01' = {
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
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      linuxFxVersion: 'DOTNETCORE|10.0'
      webSocketsEnabled: true
      alwaysOn: true
      http20Enabled: true
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      healthCheckPath: '/health/ready'
      appSettings: [for setting in items(union(appSettings, { AZURE_CLIENT_ID: identityClientId })): {
        name: setting.key
        value: setting.value
      }]
    }
  }
}

output url string = 'https://${app.properties.defaultHostName}'
