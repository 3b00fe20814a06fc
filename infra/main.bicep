// SurvivorConnect on Azure: App Service (API + SignalR), Cosmos DB, Key Vault, Redis (SignalR
// backplane) and monitoring, all reached with one user-assigned managed identity: no keys in config.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('The azd environment name, used to name every resource.')
param environmentName string

@minLength(1)
@description('The Azure region for every resource.')
param location string

@description('Microsoft Entra ID authority for API tokens, e.g. https://login.microsoftonline.com/<tenant>/v2.0')
param authAuthority string

@description('The API application ID URI or client id tokens are issued for.')
param authAudience string

@description('The portal\'s app registration (client id) in Entra ID, for its OpenID Connect sign-in.')
param authPortalClientId string

@description('Who runs azd (azd passes AZURE_PRINCIPAL_ID): given Key Vault Secrets Officer to add the Stripe and sign-in secrets. Empty: nobody.')
param deployerPrincipalId string = ''

@description('API instances at start and the fewest autoscale keeps (2 or more for scale-out).')
@minValue(1)
param instanceCount int = 2

@description('The most API instances autoscale adds.')
@minValue(1)
param maxInstanceCount int = 6

@description('Average CPU percentage that adds an instance.')
param scaleOutCpuPercent int = 70

@description('Public addresses (CIDR) that may reach Key Vault, for operators adding secrets; empty: none (the app reaches it privately).')
param keyVaultAllowedIpRanges array = []

@description('The everyday site "Exit this page" opens (an absolute https address): one a youth in this agency\'s area would be unremarkable on.')
@minLength(9)
param portalExitUrl string = 'https://weather.com'

@description('Where alerts go (a shared mailbox of the agency\'s operators). Empty: no alerts are deployed, and nobody hears of an urgent flag left unseen or payouts stopping.')
param alertEmail string = ''

var tags = { 'azd-env-name': environmentName }
var token = toLower(uniqueString(subscription().id, environmentName, location))

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: { name: 'id-${token}', location: location, tags: tags }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: { name: token, location: location, tags: tags, principalId: identity.outputs.principalId }
}

module network 'modules/network.bicep' = {
  name: 'network'
  scope: rg
  params: { name: 'vnet-${token}', location: location, tags: tags }
}

module cosmos 'modules/cosmos.bicep' = {
  name: 'cosmos'
  scope: rg
  params: {
    name: 'cosmos-${token}'
    location: location
    tags: tags
    databaseName: 'survivorconnect'
    containers: loadJsonContent('cosmos-containers.json')
    principalId: identity.outputs.principalId
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: {
    name: 'kv-${token}'
    location: location
    tags: tags
    principalId: identity.outputs.principalId
    deployerPrincipalId: deployerPrincipalId
    allowedIpRanges: keyVaultAllowedIpRanges
  }
}

module redis 'modules/redis.bicep' = {
  name: 'redis'
  scope: rg
  params: { name: 'redis-${token}', location: location, tags: tags, keyVaultName: keyVault.outputs.name }
}

// Each data service's address inside the VNet, where the app reaches it.
module cosmosEndpoint 'modules/privateendpoint.bicep' = {
  name: 'pe-cosmos'
  scope: rg
  params: {
    name: 'pe-cosmos-${token}'
    location: location
    tags: tags
    subnetId: network.outputs.endpointsSubnetId
    targetId: cosmos.outputs.id
    groupId: 'Sql'
    dnsZoneId: network.outputs.cosmosZoneId
  }
}

module keyVaultEndpoint 'modules/privateendpoint.bicep' = {
  name: 'pe-keyvault'
  scope: rg
  params: {
    name: 'pe-keyvault-${token}'
    location: location
    tags: tags
    subnetId: network.outputs.endpointsSubnetId
    targetId: keyVault.outputs.id
    groupId: 'vault'
    dnsZoneId: network.outputs.keyVaultZoneId
  }
}

module redisEndpoint 'modules/privateendpoint.bicep' = {
  name: 'pe-redis'
  scope: rg
  params: {
    name: 'pe-redis-${token}'
    location: location
    tags: tags
    subnetId: network.outputs.endpointsSubnetId
    targetId: redis.outputs.id
    groupId: 'redisCache'
    dnsZoneId: network.outputs.redisZoneId
  }
}

module api 'modules/appservice.bicep' = {
  name: 'api'
  scope: rg
  // The app starts once its services resolve to their private addresses: before, Key Vault references and Cosmos DB
  // would be looked up at public addresses that refuse it.
  dependsOn: [cosmosEndpoint, keyVaultEndpoint, redisEndpoint]
  params: {
    name: 'app-${token}'
    location: location
    tags: union(tags, { 'azd-service-name': 'api' })
    identityId: identity.outputs.id
    subnetId: network.outputs.appSubnetId
    instanceCount: instanceCount
    maxInstanceCount: maxInstanceCount
    scaleOutCpuPercent: scaleOutCpuPercent
    appSettings: {
      ASPNETCORE_ENVIRONMENT: 'Production'

      // App Service ends TLS in front of the app: the site's own origin (the chat hub's origin check, sign-in's
      // redirect URI, secure cookies) is https only with the forwarded headers read.
      ASPNETCORE_FORWARDEDHEADERS_ENABLED: 'true'
      AZURE_CLIENT_ID: identity.outputs.clientId
      APPLICATIONINSIGHTS_CONNECTION_STRING: monitoring.outputs.appInsightsConnectionString
      Storage__Provider: 'Cosmos'
      Storage__Cosmos__Endpoint: cosmos.outputs.endpoint
      Storage__Cosmos__Database: 'survivorconnect'
      Storage__Cosmos__CreateIfMissing: 'false'
      Storage__Cosmos__ConnectionMode: 'Direct'
      Auth__Authority: authAuthority
      Auth__Audience: authAudience
      Auth__Portal__ClientId: authPortalClientId
      Auth__Portal__ClientSecret: '@Microsoft.KeyVault(SecretUri=${keyVault.outputs.uri}secrets/auth-portal-client-secret)'
      Portal__ExitUrl: portalExitUrl

      // App Service resolves these with the managed identity; until a secret exists the app runs without it
      // (Stripe payouts off; the portal's sign-in with PKCE only).
      Payouts__Stripe__SecretKey: '@Microsoft.KeyVault(SecretUri=${keyVault.outputs.uri}secrets/stripe-secret-key)'
      Payouts__Stripe__WebhookSecret: '@Microsoft.KeyVault(SecretUri=${keyVault.outputs.uri}secrets/stripe-webhook-secret)'
      Payouts__Stripe__ConnectWebhookSecret: '@Microsoft.KeyVault(SecretUri=${keyVault.outputs.uri}secrets/stripe-connect-webhook-secret)'
      Chat__Redis: '@Microsoft.KeyVault(SecretUri=${redis.outputs.connectionStringSecretUri})'
    }
  }
}

module alerts 'modules/alerts.bicep' = if (!empty(alertEmail)) {
  name: 'alerts'
  scope: rg
  params: {
    name: token
    tags: tags
    alertEmail: alertEmail
    appInsightsId: monitoring.outputs.appInsightsId
    appInsightsLocation: location
    siteId: api.outputs.id
    cosmosId: cosmos.outputs.id
    redisId: redis.outputs.id
  }
}

output AZURE_LOCATION string = location
output AZURE_RESOURCE_GROUP string = rg.name
output API_URL string = api.outputs.url
output COSMOS_ENDPOINT string = cosmos.outputs.endpoint
