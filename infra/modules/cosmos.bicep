// Cosmos DB for NoSQL: keys disabled (the identity's data-plane role only), continuous backup for point-in-time
// restore, and exactly the containers the app declares (infra/cosmos-containers.json), each partitioned by /pk.
param name string
param location string
param tags object
param databaseName string
param containers array
param principalId string

@description('Continuous backup retention: 7 or 30 days of point-in-time restore.')
@allowed(['Continuous7Days', 'Continuous30Days'])
param backupTier string = 'Continuous30Days'

resource account 'Microsoft.DocumentDB/databaseAccounts@2024-05-15' = {
  name: name
  location: location
  tags: tags
  kind: 'GlobalDocumentDB'
  properties: {
    databaseAccountOfferType: 'Standard'
    // Strong, not Session: each instance has its own client and so its own session, and a safety gate read on one
    // instance (a deactivation, a withdrawn consent, an ended portal session, a hold) must see a change another made a
    // moment ago. One region, so it costs reads twice the request units, not cross-region latency.
    consistencyPolicy: { defaultConsistencyLevel: 'Strong' }
    locations: [{ locationName: location, failoverPriority: 0, isZoneRedundant: false }]
    disableLocalAuth: true
    disableKeyBasedMetadataWriteAccess: true
    // Reached only through its private endpoint; containers are still made here, through Azure Resource Manager.
    publicNetworkAccess: 'Disabled'
    minimalTlsVersion: 'Tls12'
    backupPolicy: {
      type: 'Continuous'
      continuousModeProperties: { tier: backupTier }
    }
  }
}

resource database 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases@2024-05-15' = {
  parent: account
  name: databaseName
  properties: {
    resource: { id: databaseName }
    options: { autoscaleSettings: { maxThroughput: 4000 } }
  }
}

resource sqlContainers 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2024-05-15' = [for container in containers: {
  parent: database
  name: container.name
  properties: {
    resource: {
      id: container.name
      partitionKey: { paths: ['/pk'], kind: 'Hash', version: 2 }
      defaultTtl: container.allowsTimeToLive ? -1 : null
      // As the app makes them when it creates a container (CosmosDocumentStore.ContainerProperties): every path
      // indexed, and ORDER BY (field, id) in each direction for every queryable field and the type, which Cosmos DB
      // refuses to run without a composite index.
      indexingPolicy: {
        indexingMode: 'consistent'
        automatic: true
        includedPaths: [{ path: '/*' }]
        excludedPaths: [{ path: '/"_etag"/?' }]
        compositeIndexes: flatten(map(concat(['type'], container.queryableFields), field => [
          [{ path: '/${replace(field, '.', '/')}', order: 'ascending' }, { path: '/id', order: 'ascending' }]
          [{ path: '/${replace(field, '.', '/')}', order: 'descending' }, { path: '/id', order: 'descending' }]
        ]))
      }
    }
  }
}]

// Cosmos DB Built-in Data Contributor: read and write items, nothing on the account itself.
resource dataContributor 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2024-05-15' = {
  parent: account
  name: guid(account.id, principalId, 'data-contributor')
  properties: {
    roleDefinitionId: '${account.id}/sqlRoleDefinitions/00000000-0000-0000-0000-000000000002'
    principalId: principalId
    scope: account.id
  }
}

output id string = account.id
output endpoint string = account.properties.documentEndpoint
