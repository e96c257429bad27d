// Callwright on Azure Container Apps: the ACS resource, Azure AI services for speech, Event Grid for IncomingCall,
// Redis when more than one replica runs, and a managed identity instead of keys. docs/deploy.md walks through the
// same resources with az commands; keep the two in step (tests/deploy checks the names against config/settings.py).
//
//   az deployment group create -g <rg> -f deploy/main.bicep -p deploy/main.parameters.json \
//       -p image=<registry>/callwright:<tag> eventGridSecret=<secret> triggerApiKey=<key>

targetScope = 'resourceGroup'

@description('Prefix of every resource name (3-16 lower-case letters and digits).')
@minLength(3)
@maxLength(16)
param name string

@description('Region of the compute, Redis and AI services.')
param location string = resourceGroup().location

@description('Where ACS keeps its data (e.g. United States, Europe).')
param dataLocation string = 'United States'

@description('The container image, e.g. myregistry.azurecr.io/callwright:1.0.0.')
param image string

@description('Registry server of the image, pulled with the app identity (AcrPull); empty for a public image.')
param registryServer string = ''

@description('The ACS phone number the app answers (E.164); the Event Grid subscription delivers only its calls.')
param phoneNumber string

@description('Comma-separated flow modules (CALLWRIGHT_FLOW_MODULES), e.g. myivr.flows.')
param flowModules string

@description('Event Grid delivery secret (CALLWRIGHT_EVENTGRID_SECRET), sent as a secret delivery header.')
@secure()
param eventGridSecret string

@description('API key of POST /api/calls (CALLWRIGHT_TRIGGER_API_KEY).')
@secure()
param triggerApiKey string

@description('Bearer token for GET /metrics (CALLWRIGHT_METRICS_TOKEN); empty leaves /metrics off.')
@secure()
param metricsToken string = ''

@minValue(1)
param minReplicas int = 1

@minValue(1)
@maxValue(30)
param maxReplicas int = 3

@description('Concurrent HTTP requests per replica before Container Apps adds one.')
param concurrentRequests int = 50

@description('OTLP endpoint for traces (OTEL_EXPORTER_OTLP_ENDPOINT); empty leaves tracing off.')
param otlpEndpoint string = ''

var useRedis = maxReplicas > 1
var stateBackend = useRedis ? 'redis' : 'memory'
var roles = {
  contributor: 'b24988ac-6180-42a0-ab88-20f7382dd24c'
  cognitiveServicesUser: 'a97b65f3-24c7-4388-baec-2e87135dc908'
  acrPull: '7f951dda-4ed3-4680-a7ca-43fe172d538d'
}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: '${name}-id'
  location: location
}

resource acs 'Microsoft.Communication/communicationServices@2023-04-01' = {
  name: '${name}-acs'
  location: 'global'
  identity: {
    type: 'SystemAssigned' // ACS uses it to reach the AI services resource for text-to-speech and recognition
  }
  properties: {
    dataLocation: dataLocation
  }
}

resource ai 'Microsoft.CognitiveServices/accounts@2023-05-01' = {
  name: '${name}-ai'
  location: location
  kind: 'CognitiveServices'
  sku: {
    name: 'S0'
  }
  properties: {
    customSubDomainName: '${name}-ai' // ACS needs the custom-domain endpoint
    publicNetworkAccess: 'Enabled'
  }
}

resource acsSpeaks 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(ai.id, acs.id, roles.cognitiveServicesUser)
  scope: ai
  properties: {
    principalId: acs.identity.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.cognitiveServicesUser)
  }
}

resource appCallsAcs 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(acs.id, identity.id, roles.contributor)
  scope: acs
  properties: {
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.contributor)
  }
}

resource redis 'Microsoft.Cache/redis@2024-03-01' = if (useRedis) {
  name: '${name}-redis'
  location: location
  properties: {
    sku: {
      name: 'Basic'
      family: 'C'
      capacity: 0
    }
    enableNonSslPort: false
    minimumTlsVersion: '1.2'
  }
}

resource logs 'Microsoft.OperationalInsights/workspaces@2022-10-01' = {
  name: '${name}-logs'
  location: location
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: 30
  }
}

resource environment 'Microsoft.App/managedEnvironments@2024-03-01' = {
  name: '${name}-env'
  location: location
  properties: {
    appLogsConfiguration: {
      destination: 'log-analytics'
      logAnalyticsConfiguration: {
        customerId: logs.properties.customerId
        sharedKey: logs.listKeys().primarySharedKey
      }
    }
  }
}

var appName = '${name}-app'
var appUrl = 'https://${appName}.${environment.properties.defaultDomain}'
var secrets = concat(
  [
    { name: 'eventgrid-secret', value: eventGridSecret }
    { name: 'trigger-api-key', value: triggerApiKey }
  ],
  useRedis ? [{ name: 'redis-url', value: 'rediss://:${redis.listKeys().primaryKey}@${redis.properties.hostName}:6380/0' }] : [],
  empty(metricsToken) ? [] : [{ name: 'metrics-token', value: metricsToken }]
)
var env = concat(
  [
    { name: 'CALLWRIGHT_ENVIRONMENT', value: 'production' }
    { name: 'CALLWRIGHT_ACS_ENDPOINT', value: 'https://${acs.properties.hostName}' }
    { name: 'CALLWRIGHT_ACS_RESOURCE_ID', value: acs.properties.immutableResourceId }
    { name: 'CALLWRIGHT_CALLBACK_BASE_URL', value: appUrl }
    { name: 'CALLWRIGHT_COGNITIVE_SERVICES_ENDPOINT', value: ai.properties.endpoint }
    { name: 'CALLWRIGHT_FLOW_MODULES', value: flowModules }
    { name: 'CALLWRIGHT_EVENTGRID_SECRET', secretRef: 'eventgrid-secret' }
    { name: 'CALLWRIGHT_TRIGGER_API_KEY', secretRef: 'trigger-api-key' }
    { name: 'CALLWRIGHT_STATE_BACKEND', value: stateBackend }
    { name: 'AZURE_CLIENT_ID', value: identity.properties.clientId } // DefaultAzureCredential picks this identity
    { name: 'FORWARDED_ALLOW_IPS', value: '*' } // only the Container Apps ingress reaches the replica
  ],
  useRedis ? [{ name: 'CALLWRIGHT_REDIS_URL', secretRef: 'redis-url' }] : [],
  empty(metricsToken) ? [] : [{ name: 'CALLWRIGHT_METRICS_TOKEN', secretRef: 'metrics-token' }],
  empty(otlpEndpoint)
    ? []
    : [
        { name: 'OTEL_TRACES_EXPORTER', value: 'otlp' }
        { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: otlpEndpoint }
        { name: 'OTEL_SERVICE_NAME', value: appName }
      ]
)

resource registryPull 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(registryServer)) {
  name: guid(resourceGroup().id, identity.id, roles.acrPull)
  properties: {
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.acrPull)
  }
}

resource app 'Microsoft.App/containerApps@2024-03-01' = {
  name: appName
  location: location
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identity.id}': {}
    }
  }
  dependsOn: [appCallsAcs, registryPull]
  properties: {
    managedEnvironmentId: environment.id
    configuration: {
      ingress: {
        external: true
        targetPort: 8000
        transport: 'auto'
        allowInsecure: false // ACS posts callbacks over HTTPS only
      }
      secrets: secrets
      registries: empty(registryServer) ? [] : [{ server: registryServer, identity: identity.id }]
    }
    template: {
      containers: [
        {
          name: 'callwright'
          image: image
          resources: {
            cpu: json('0.5')
            memory: '1Gi'
          }
          env: env
          probes: [
            { type: 'Liveness', httpGet: { path: '/livez', port: 8000 }, periodSeconds: 10 }
            { type: 'Readiness', httpGet: { path: '/readyz', port: 8000 }, periodSeconds: 5 }
          ]
        }
      ]
      scale: {
        minReplicas: minReplicas // >= 1: a cold start would miss the 30 s ACS gives to answer
        maxReplicas: maxReplicas
        rules: [
          {
            name: 'http-requests'
            http: {
              metadata: {
                concurrentRequests: string(concurrentRequests)
              }
            }
          }
        ]
      }
    }
  }
}

resource incomingCalls 'Microsoft.EventGrid/systemTopics@2022-06-15' = {
  name: '${name}-acs-events'
  location: 'global'
  properties: {
    source: acs.id
    topicType: 'Microsoft.Communication.CommunicationServices'
  }
}

resource incomingCallSubscription 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2022-06-15' = {
  parent: incomingCalls
  name: '${name}-incoming-call'
  dependsOn: [app] // Event Grid validates the endpoint: the app must answer the handshake
  properties: {
    destination: {
      endpointType: 'WebHook'
      properties: {
        endpointUrl: '${appUrl}/Events'
        maxEventsPerBatch: 1
        preferredBatchSizeInKilobytes: 64
        deliveryAttributeMappings: [
          {
            name: 'x-callwright-secret' // CALLWRIGHT_EVENTGRID_SECRET_HEADER
            type: 'Static'
            properties: {
              value: eventGridSecret
              isSecret: true
            }
          }
        ]
      }
    }
    eventDeliverySchema: 'EventGridSchema'
    filter: {
      includedEventTypes: ['Microsoft.Communication.IncomingCall']
      advancedFilters: [
        {
          operatorType: 'StringIn'
          key: 'data.to.PhoneNumber.Value'
          values: [phoneNumber]
        }
      ]
    }
    retryPolicy: {
      maxDeliveryAttempts: 3 // a caller does not wait longer than this
      eventTimeToLiveInMinutes: 1
    }
  }
}

output appUrl string = appUrl
output acsEndpoint string = 'https://${acs.properties.hostName}'
output acsResourceId string = acs.properties.immutableResourceId
output principalId string = identity.properties.principalId
