// The SignalR backplane when the API runs on more than one instance. Entra ID auth, no access keys.
param name string
param location string
param tags object
param principalId string

resource redis 'Microsoft.Cache/redis@2024-03-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    sku: { name: 'Basic', family: 'C', capacity: 0 }
    enableNonSslPort: false
    minimumTlsVersion: '1.2'
    disableAccessKeyAuthentication: true
    redisConfiguration: { 'aad-enabled': 'true' }
  }
}

resource dataOwner 'Microsoft.Cache/redis/accessPolicyAssignments@2024-03-01' = {
  parent: redis
  name: 'survivorconnect-api'
  properties: {
    accessPolicyName: 'Data Contributor'
    objectId: principalId
    objectIdAlias: 'survivorconnect-api'
  }
}

output hostName string = redis.properties.hostName
