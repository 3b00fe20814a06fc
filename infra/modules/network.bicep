// The private network: App Service sends all its outbound traffic into the VNet, and Cosmos DB, Key Vault and Redis
// answer only there, through private endpoints whose names resolve in private DNS zones linked to the VNet. A
// leaked key or token is then of no use from the internet: it must also come from inside.
param name string
param location string
param tags object

@description('The address space of the VNet; the app and the endpoints each take a /24 of it.')
param addressPrefix string = '10.40.0.0/16'

// All the app's outbound traffic leaves through the VNet, and a new VNet has no default way out to the internet: the
// NAT gateway is how it reaches Entra ID, Stripe and Azure Monitor, from one fixed address.
resource outboundAddress 'Microsoft.Network/publicIPAddresses@2024-01-01' = {
  name: '${name}-outbound'
  location: location
  tags: tags
  sku: { name: 'Standard' }
  properties: { publicIPAllocationMethod: 'Static' }
}

resource nat 'Microsoft.Network/natGateways@2024-01-01' = {
  name: '${name}-nat'
  location: location
  tags: tags
  sku: { name: 'Standard' }
  properties: {
    idleTimeoutInMinutes: 10
    publicIpAddresses: [{ id: outboundAddress.id }]
  }
}

var appSubnetName = 'app'
var endpointsSubnetName = 'endpoints'

// Private DNS zone names are fixed by Azure for each kind of endpoint.
var zoneNames = {
  cosmos: 'privatelink.documents.azure.com'
  keyVault: 'privatelink.vaultcore.azure.net'
  redis: 'privatelink.redis.cache.windows.net'
}

resource vnet 'Microsoft.Network/virtualNetworks@2024-01-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    addressSpace: { addressPrefixes: [addressPrefix] }
    subnets: [
      {
        name: appSubnetName
        properties: {
          addressPrefix: cidrSubnet(addressPrefix, 24, 1)
          delegations: [{ name: 'web', properties: { serviceName: 'Microsoft.Web/serverFarms' } }]
          natGateway: { id: nat.id }
        }
      }
      {
        name: endpointsSubnetName
        properties: {
          addressPrefix: cidrSubnet(addressPrefix, 24, 2)
          privateEndpointNetworkPolicies: 'Disabled'
        }
      }
    ]
  }
}

resource zones 'Microsoft.Network/privateDnsZones@2024-06-01' = [for zone in items(zoneNames): {
  name: zone.value
  location: 'global'
  tags: tags
}]

resource links 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2024-06-01' = [for (zone, i) in items(zoneNames): {
  parent: zones[i]
  name: '${name}-link'
  location: 'global'
  tags: tags
  properties: {
    registrationEnabled: false
    virtualNetwork: { id: vnet.id }
  }
}]

output appSubnetId string = resourceId('Microsoft.Network/virtualNetworks/subnets', vnet.name, appSubnetName)
output endpointsSubnetId string = resourceId('Microsoft.Network/virtualNetworks/subnets', vnet.name, endpointsSubnetName)
output cosmosZoneId string = resourceId('Microsoft.Network/privateDnsZones', zoneNames.cosmos)
output keyVaultZoneId string = resourceId('Microsoft.Network/privateDnsZones', zoneNames.keyVault)
output redisZoneId string = resourceId('Microsoft.Network/privateDnsZones', zoneNames.redis)
