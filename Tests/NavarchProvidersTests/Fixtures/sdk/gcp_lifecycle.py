"""Runs one instance lifecycle with Google's own client library (google-cloud-compute, REST
transport) and google-auth's service-account credentials against an endpoint, and prints what
it saw as one JSON object. Usage: gcp_lifecycle.py BASE_URL KEY_FILE PROJECT ZONE FULL_ZONE"""
import json
import sys

import google.auth.transport.requests

from google.api_core.client_options import ClientOptions
from google.cloud import compute_v1
from google.oauth2 import service_account

base, key_file, project, zone, full_zone = sys.argv[1:6]
with open(key_file) as f:
    info = json.load(f)
credentials = service_account.Credentials.from_service_account_info(
    info, scopes=["https://www.googleapis.com/auth/compute"])
# google-auth's own JWT-bearer exchange at the key file's token_uri.
credentials.refresh(google.auth.transport.requests.Request())
seen = {"token_prefix": credentials.token[:10]}
options = ClientOptions(api_endpoint=base)
instances = compute_v1.InstancesClient(credentials=credentials, client_options=options, transport="rest")
# The library polls operations with a ZoneOperationsClient it makes without the client options
# (so against the default host); hand it one for the same endpoint.
instances._transport._extended_operations_services["zone_operations"] = compute_v1.ZoneOperationsClient(
    credentials=credentials, client_options=options, transport="rest")

instance = compute_v1.Instance(
    name="sdk-vm-1",
    machine_type=f"zones/{zone}/machineTypes/a3-highgpu-8g",
    labels={"navarch-managed-by": "navarch", "navarch-pool": "sdk", "navarch-instance-id": "sdk-vm-1"},
    metadata=compute_v1.Metadata(items=[compute_v1.Items(key="user-data", value="#cloud-config\n")]),
    disks=[compute_v1.AttachedDisk(boot=True, auto_delete=True, initialize_params=compute_v1.AttachedDiskInitializeParams(
        source_image="projects/ubuntu-os-accelerator-images/global/images/family/ubuntu-accelerator-2204-amd64-with-nvidia-570",
        disk_size_gb=200))],
    network_interfaces=[compute_v1.NetworkInterface(access_configs=[compute_v1.AccessConfig(type_="ONE_TO_ONE_NAT", name="External NAT")])],
    scheduling=compute_v1.Scheduling(provisioning_model="SPOT", instance_termination_action="DELETE", on_host_maintenance="TERMINATE", automatic_restart=False),
)
operation = instances.insert(request=compute_v1.InsertInstanceRequest(
    project=project, zone=zone, instance_resource=instance, request_id="5f2b8a1e-0c3d-4e5f-8a9b-0c1d2e3f4a5b"))
operation.result(timeout=60)
seen["insert_error"] = operation.error_code
got = instances.get(project=project, zone=zone, instance="sdk-vm-1")
seen["status"] = got.status
seen["nat_ip"] = got.network_interfaces[0].access_configs[0].nat_i_p
seen["provisioning_model"] = got.scheduling.provisioning_model

listed = []
for scope, scoped in instances.aggregated_list(request=compute_v1.AggregatedListInstancesRequest(
        project=project, filter='labels.navarch-managed-by = "navarch"', max_results=1)):
    listed += [(scope, i.name) for i in scoped.instances]
seen["listed"] = listed

try:
    instances.insert(project=project, zone=full_zone, instance_resource=compute_v1.Instance(
        name="sdk-vm-2", machine_type=f"zones/{full_zone}/machineTypes/a3-highgpu-8g", disks=instance.disks,
        network_interfaces=instance.network_interfaces)).result(timeout=60)
    seen["full_zone_error"] = None
except Exception as error:  # the library raises the operation's error
    seen["full_zone_error"] = type(error).__name__ + ": " + str(error)

operation = instances.delete(project=project, zone=zone, instance="sdk-vm-1")
operation.result(timeout=60)
try:
    instances.get(project=project, zone=zone, instance="sdk-vm-1")
    seen["after_delete"] = "still there"
except Exception as error:
    seen["after_delete"] = type(error).__name__
print(json.dumps(seen))
