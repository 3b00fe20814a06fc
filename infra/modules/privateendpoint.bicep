// One private endpoint: a service's address inside the VNet, registered in its private DNS zone so the service's
// usual host name resolves to it from the app.
param name string
param location string
param tags object
param subnetId string

@description('The resource reached through the endpoint.')
param targetId string

@description('Which of the resource\'s sub-resources: Sql (Cosmos DB), vault (Key Vault) or redisCache.')
param groupId string

param dnsZoneId string

resource endpoint 'Microsoft.Network/privateEndpoints@2024-01-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    subnet: { id: subnetId }
    privateLinkServiceConnections: [
      {
        name: name
        properties: { privateLinkServiceId: targetId, groupIds: [groupId] }
      }
    ]
  }
}

resource dns 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2024-01-01' = {
  parent: endpoint
  name: 'default'
  properties: {
    privateDnsZoneConfigs: [{ name: groupId, properties: { privateDnsZoneId: dnsZoneId } }]
  }
}
