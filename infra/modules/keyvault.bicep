// Key Vault with RBAC: the API's identity reads secrets (App Service resolves its Key Vault references with it).
// Operators add the Stripe secrets; the Redis connection string is written by redis.bicep.
param name string
param location string
param tags object
param principalId string

@description('A person who may add and rotate secrets (Key Vault Secrets Officer); empty for none.')
param deployerPrincipalId string = ''

@description('Public addresses (CIDR) allowed to reach the vault, such as an operator\'s while they add a secret; the app reaches it through its private endpoint.')
param allowedIpRanges array = []

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: true
    // Secrets written by this template go through Azure Resource Manager; anyone else needs an allowed address.
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Deny'
      bypass: 'None'
      ipRules: [for range in allowedIpRanges: { value: range }]
    }
  }
}

// Key Vault Secrets User.
resource secretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: vault
  name: guid(vault.id, principalId, 'secrets-user')
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '4633458b-17de-408a-b874-0445c86b69e6')
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

output id string = vault.id
output name string = vault.name
output uri string = vault.properties.vaultUri

// Key Vault Secrets Officer, for whoever deploys: they add the Stripe and sign-in secrets and rotate them.
resource secretsOfficer 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(deployerPrincipalId)) {
  scope: vault
  name: guid(vault.id, deployerPrincipalId, 'secrets-officer')
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7')
    principalId: deployerPrincipalId
  }
}
