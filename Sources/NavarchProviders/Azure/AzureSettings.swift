/// What the Azure provider creates and where (`providers.azure` in navarch.yaml).
public struct AzureSettings: Sendable, Equatable {
    public var subscriptionID = ""
    public var tenantID = ""
    public var clientID = ""
    /// The resource group the machines (and their disks and NICs) are created in.
    public var resourceGroup = ""
    /// The region (`eastus`).
    public var location = ""
    /// Availability zones to create in, tried in order on an allocation failure; empty: no zone.
    public var zones: [String] = []
    /// Azure Resource Manager's base URL.
    public var endpoint = "https://management.azure.com"
    /// Microsoft Entra ID's authority: tokens are minted at `<authority>/<tenant>/oauth2/v2.0/token`.
    public var authority = "https://login.microsoftonline.com"
    /// The OAuth scope tokens are asked for: Resource Manager's (another for a sovereign cloud).
    public var scope = "https://management.azure.com/.default"
    /// The Compute API version requests name.
    public var apiVersion = "2024-07-01"
    /// The image: a marketplace URN (`publisher:offer:sku:version`) or an image resource id.
    public var image = ""
    /// The subnet the machines' NICs join (a resource id in the VNet), required.
    public var subnetID = ""
    /// The admin user and its SSH public key (the key's text).
    public var sshUser = "azureuser"
    public var sshPublicKey = ""
    /// A proximity placement group (resource id) for `placement: cluster` pools.
    public var proximityPlacementGroup: String?
    /// Spot instead of regular priority; evicted machines are deleted.
    public var spot = false
    /// The most a Spot machine may cost per hour; -1: up to the on-demand price.
    public var spotMaxPrice = -1.0
    public var osDiskGB = 200
    /// How often an `Azure-AsyncOperation` is polled when Azure names no `Retry-After`.
    public var operationPollInterval: Duration = .seconds(5)
    public var operationTimeout: Duration = .seconds(1200)

    public init() {}

    /// Checks what the API will need, naming what is missing.
    public func validate() throws(ProviderConfigurationError) {
        let required: [(String, String, String)] = [
            (subscriptionID, "subscription_id", "the subscription (or store it with `navarch config set-credentials azure`)"),
            (tenantID, "tenant_id", "the Entra ID tenant"), (clientID, "client_id", "the application (client) id"),
            (resourceGroup, "resource_group", "the resource group machines are created in"), (location, "location", "the region, such as eastus"),
            (image, "image", "a marketplace URN publisher:offer:sku:version or an image id"),
            (subnetID, "subnet_id", "the subnet resource id the NICs join"),
            (sshPublicKey, "ssh_public_key", "the admin user's SSH public key file"),
        ]
        for (value, key, what) in required where value.isEmpty {
            throw ProviderConfigurationError(provider: "azure", "providers.azure.\(key) is required: \(what)")
        }
        if !image.hasPrefix("/") && image.split(separator: ":").count != 4 {
            throw ProviderConfigurationError(provider: "azure", "providers.azure.image '\(image)' is neither a URN publisher:offer:sku:version nor an image resource id")
        }
        guard subnetID.hasPrefix("/subscriptions/"), subnetID.contains("/subnets/") else {
            throw ProviderConfigurationError(provider: "azure", "providers.azure.subnet_id '\(subnetID)' is not a subnet resource id (/subscriptions/.../virtualNetworks/V/subnets/S)")
        }
    }
}
