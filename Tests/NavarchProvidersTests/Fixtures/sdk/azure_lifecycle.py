"""Runs one virtual machine lifecycle with Microsoft's own client library (azure-mgmt-compute)
against an endpoint, after the client-credentials token exchange at its token endpoint, and
prints what it saw as one JSON object.
Usage: azure_lifecycle.py BASE_URL TENANT CLIENT_ID SECRET SUBSCRIPTION GROUP LOCATION SUBNET"""
import json
import sys
import time
import urllib.parse
import urllib.request

from azure.core.credentials import AccessToken
from azure.core.pipeline.policies import BearerTokenCredentialPolicy
from azure.mgmt.compute import ComputeManagementClient
from azure.mgmt.compute import models

base, tenant, client_id, secret, subscription, group, location, subnet = sys.argv[1:9]
form = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret,
                               "scope": "https://management.azure.com/.default"}).encode()
with urllib.request.urlopen(f"{base}/{tenant}/oauth2/v2.0/token", data=form) as answer:
    token = json.load(answer)
seen = {"token_type": token["token_type"]}


class Token:
    def get_token(self, *scopes, **kwargs):
        return AccessToken(token["access_token"], int(time.time()) + token["expires_in"])

    def get_token_info(self, *scopes, options=None):
        from azure.core.credentials import AccessTokenInfo
        return AccessTokenInfo(token["access_token"], int(time.time()) + token["expires_in"])


credential = Token()
# The fake serves plain HTTP on loopback; the library refuses bearer tokens there unless told.
policy = BearerTokenCredentialPolicy(credential, "https://management.azure.com/.default")
client = ComputeManagementClient(credential, subscription, base_url=base, authentication_policy=policy)
kw = {"enforce_https": False}


def machine(name, zone):
    return models.VirtualMachine(
        location=location, zones=[zone], tags={"navarch-managed-by": "navarch", "navarch-pool": "sdk", "navarch-instance-id": name},
        properties=models.VirtualMachineProperties(
            hardware_profile=models.HardwareProfile(vm_size="Standard_ND96isr_H100_v5"),
            storage_profile=models.StorageProfile(
                image_reference=models.ImageReference(publisher="microsoft-dsvm", offer="ubuntu-hpc", sku="2204", version="latest"),
                os_disk=models.OSDisk(create_option="FromImage", delete_option="Delete")),
            os_profile=models.OSProfile(computer_name=name, admin_username="azureuser", custom_data="I2Nsb3VkLWNvbmZpZwo="),
            network_profile=models.NetworkProfile(
                network_api_version="2022-11-01",
                network_interface_configurations=[models.VirtualMachineNetworkInterfaceConfiguration(
                    name=f"{name}-nic", properties=models.VirtualMachineNetworkInterfaceConfigurationProperties(
                        primary=True, ip_configurations=[models.VirtualMachineNetworkInterfaceIPConfiguration(
                            name="ipconfig1", properties=models.VirtualMachineNetworkInterfaceIPConfigurationProperties(
                                subnet=models.SubResource(id=subnet)))]))]),
            priority="Spot", eviction_policy="Delete", billing_profile=models.BillingProfile(max_price=-1)))


vm = client.virtual_machines.begin_create_or_update(group, "sdk-vm-1", machine("sdk-vm-1", "1"), polling_interval=0, **kw).result()
seen["provisioning_state"] = vm.properties.provisioning_state
seen["priority"] = vm.properties.priority
seen["zones"] = vm.zones
seen["listed"] = [v.name for v in client.virtual_machines.list(group, **kw)]

try:
    client.virtual_machines.begin_create_or_update(group, "sdk-vm-2", machine("sdk-vm-2", "2"), polling_interval=0, **kw).result()
    seen["full_zone_error"] = None
except Exception as error:
    seen["full_zone_error"] = type(error).__name__ + ": " + str(error)

client.virtual_machines.begin_delete(group, "sdk-vm-1", polling_interval=0, **kw).result()
client.virtual_machines.begin_delete(group, "sdk-vm-2", polling_interval=0, **kw).result()
try:
    client.virtual_machines.get(group, "sdk-vm-1", **kw)
    seen["after_delete"] = "still there"
except Exception as error:
    seen["after_delete"] = type(error).__name__
print(json.dumps(seen))
