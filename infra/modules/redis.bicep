// Azure Cache for Redis: the SignalR backplane, chat access changes across instances and the shared Data
// Protection keys. Its connection string goes straight into Key Vault; it is never an output or an app setting. It
// answers only through its private endpoint: its key opens sessions and chat, so it must not be enough on its own.
param name string
param location string
param tags object
param keyVaultName string

@allowed(['Basic', 'Standard', 'Premium'])
param skuName string = 'Standard'

resource redis 'Microsoft.Cache/redis@2024-03-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    sku: { name: skuName, family: skuName == 'Premium' ? 'P' : 'C', capacity: 1 }
    enableNonSslPort: false
    minimumTlsVersion: '1.2'
    redisVersion: '6'
    publicNetworkAccess: 'Disabled'
  }
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

resource connectionString 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'redis-connection-string'
  properties: {
    value: '${redis.properties.hostName}:${redis.properties.sslPort},password=${redis.listKeys().primaryKey},ssl=True,abortConnect=False'
  }
}

output id string = redis.id
output connectionStringSecretUri string = connectionString.properties.secretUri
