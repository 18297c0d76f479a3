"""What devices are: platforms, models, OS versions, and the weights of their spread."""

from __future__ import annotations

from dataclasses import dataclass

HOSTILE_DEVICE_NAMES: tuple[str, ...] = (
    "Kiosk [/old]",
    "[bold red]x",
    "LAPTOP-\x1b[31mRED\x1b[0m",
    "invoice\u202egnp.exe-PC",
)
HOSTILE_DEVICE_POSITIONS: tuple[int, ...] = (1, 3, 6, 9)


@dataclass(frozen=True)
class Model:
    manufacturer: str
    model: str
    weight: float
    chassis: str  # beta chassisType
    device_type: str  # beta deviceType
    is_phone: bool = False
    memory_gb: int = 8
    storage_gb: tuple[int, ...] = (256,)
    serial_style: str = "generic"


@dataclass(frozen=True)
class Platform:
    os: str
    weight: float
    versions: tuple[tuple[str, float], ...]
    models: tuple[Model, ...]
    company_share: float
    encrypted_share: float
    minimum_version: str  # what the compliance policy asks for


PLATFORMS: tuple[Platform, ...] = (
    Platform(
        "Windows", 45,
        (("10.0.22631.4460", 34), ("10.0.26100.2314", 30), ("10.0.19045.5131", 24),
         ("10.0.22621.4317", 8), ("10.0.19044.3086", 4)),
        (
            Model("Dell Inc.", "Latitude 5440", 18, "laptop", "desktop", memory_gb=16,
                  storage_gb=(256, 512), serial_style="dell"),
            Model("Dell Inc.", "Latitude 7450", 10, "laptop", "desktop", memory_gb=32,
                  storage_gb=(512,), serial_style="dell"),
            Model("Dell Inc.", "OptiPlex 7010", 8, "desktop", "desktop", memory_gb=16,
                  storage_gb=(512,), serial_style="dell"),
            Model("HP", "HP EliteBook 840 G10", 14, "laptop", "desktop", memory_gb=16,
                  storage_gb=(512,), serial_style="hp"),
            Model("LENOVO", "21HD0015US", 10, "laptop", "desktop", memory_gb=16,
                  storage_gb=(512,), serial_style="lenovo"),
            Model("LENOVO", "21CB00BRUS", 8, "laptop", "desktop", memory_gb=32,
                  storage_gb=(1024,), serial_style="lenovo"),
            Model("Microsoft Corporation", "Surface Laptop 5", 8, "laptop", "desktop",
                  memory_gb=16, storage_gb=(256, 512), serial_style="surface"),
            Model("Microsoft Corporation", "Surface Pro 9", 6, "tablet", "desktop",
                  memory_gb=16, storage_gb=(256,), serial_style="surface"),
            Model("Microsoft Corporation", "Cloud PC Enterprise 2vCPU/8GB/128GB", 8, "desktop",
                  "cloudPC", memory_gb=8, storage_gb=(128,), serial_style="cloudpc"),
            Model("Microsoft Corporation", "Virtual Machine", 3, "desktop", "desktop",
                  memory_gb=8, storage_gb=(128,), serial_style="vm"),
        ),
        company_share=0.88, encrypted_share=0.92, minimum_version="10.0.19045",
    ),
    Platform(
        "iOS", 20,
        (("18.1", 30), ("18.0.1", 22), ("17.6.1", 25), ("17.7", 10), ("16.7.10", 9),
         ("15.8.3", 4)),
        (
            Model("Apple", "iPhone 15", 25, "phone", "iPhone", True, 6, (128, 256), "apple"),
            Model("Apple", "iPhone 15 Pro", 15, "phone", "iPhone", True, 8, (256, 512), "apple"),
            Model("Apple", "iPhone 14", 25, "phone", "iPhone", True, 6, (128,), "apple"),
            Model("Apple", "iPhone 13", 20, "phone", "iPhone", True, 4, (128,), "apple"),
            Model("Apple", "iPhone SE (3rd generation)", 15, "phone", "iPhone", True, 4, (64,),
                  "apple"),
        ),
        company_share=0.62, encrypted_share=1.0, minimum_version="17.0",
    ),
    Platform(
        "iPadOS", 6,
        (("18.1", 35), ("17.7", 35), ("16.7.10", 20), ("15.8.3", 10)),
        (
            Model("Apple", "iPad (10th generation)", 50, "tablet", "iPad", False, 4, (64,),
                  "apple"),
            Model("Apple", "iPad Air (5th generation)", 30, "tablet", "iPad", False, 8, (256,),
                  "apple"),
            Model("Apple", "iPad Pro (11-inch) (4th generation)", 20, "tablet", "iPad", True, 8,
                  (256,), "apple"),
        ),
        company_share=0.85, encrypted_share=1.0, minimum_version="17.0",
    ),
    Platform(
        "Android", 18,
        (("14", 40), ("13", 28), ("15", 14), ("12", 12), ("11", 6)),
        (
            Model("samsung", "SM-S918B", 20, "phone", "androidEnterprise", True, 12, (256,),
                  "samsung"),
            Model("samsung", "SM-A546B", 25, "phone", "androidEnterprise", True, 8, (128,),
                  "samsung"),
            Model("Google", "Pixel 8", 20, "phone", "androidEnterprise", True, 8, (128,),
                  "google"),
            Model("Google", "Pixel 7a", 15, "phone", "androidEnterprise", True, 8, (128,),
                  "google"),
            Model("Zebra Technologies", "TC52", 12, "phone", "androidEnterprise", False, 4,
                  (32,), "zebra"),
            Model("samsung", "SM-X710", 8, "tablet", "androidEnterprise", False, 8, (128,),
                  "samsung"),
        ),
        company_share=0.55, encrypted_share=0.97, minimum_version="13",
    ),
    Platform(
        "macOS", 8,
        (("15.1 (24B83)", 35), ("14.7.1 (23H222)", 40), ("13.7.1 (22H221)", 20),
         ("12.7.6 (21H1320)", 5)),
        (
            Model("Apple", "MacBookPro18,3", 35, "laptop", "macMDM", False, 16, (512,), "apple"),
            Model("Apple", "Mac14,2", 40, "laptop", "macMDM", False, 16, (256, 512), "apple"),
            Model("Apple", "Mac15,4", 15, "desktop", "macMDM", False, 24, (512,), "apple"),
            Model("Apple", "Mac14,3", 10, "desktop", "macMDM", False, 16, (512,), "apple"),
        ),
        company_share=0.92, encrypted_share=0.86, minimum_version="14.0",
    ),
    Platform(
        "Linux", 3,
        (("22.04", 55), ("24.04", 35), ("20.04", 10)),
        (
            Model("Dell Inc.", "Precision 5680", 50, "laptop", "linux", memory_gb=32,
                  storage_gb=(1024,), serial_style="dell"),
            Model("LENOVO", "21HK0001US", 50, "laptop", "linux", memory_gb=32,
                  storage_gb=(1024,), serial_style="lenovo"),
        ),
        company_share=0.75, encrypted_share=0.6, minimum_version="22.04",
    ),
)
PLATFORM_BY_OS: dict[str, Platform] = {platform.os: platform for platform in PLATFORMS}
OPERATING_SYSTEMS: tuple[str, ...] = tuple(platform.os for platform in PLATFORMS)

DEVICE_CATEGORIES = ("Unknown", "Sales", "Engineering", "Frontline", "Shared", "Executive",
                     "Loaner")
CARRIERS = ("Verizon", "T-Mobile", "AT&T", "Vodafone", "Telekom", "Orange")
NOTES = (
    "Loaner pool - return to IT desk 3",
    "Screen cracked; replacement ordered",
    "VIP: call before any action",
    "Reimaged after malware incident",
)

# complianceState and managementState weights (every value appears in every tenant of >= 30).
COMPLIANCE_WEIGHTS = (("compliant", 72), ("noncompliant", 12), ("inGracePeriod", 4),
                      ("unknown", 5), ("conflict", 2), ("error", 2))
MANAGEMENT_WEIGHTS = (("managed", 955), ("retirePending", 5), ("retireFailed", 3),
                      ("wipePending", 4), ("wipeFailed", 2), ("unhealthy", 12),
                      ("deletePending", 2), ("retireIssued", 3), ("wipeIssued", 3),
                      ("wipeCanceled", 2), ("retireCanceled", 2), ("discovered", 7))

DAY = 86_400
# lastSyncDateTime age buckets in seconds: fresh, this week, this month, stale.
SYNC_AGE_BUCKETS = ((0, DAY, 64), (DAY, 7 * DAY, 20), (7 * DAY, 30 * DAY, 9),
                    (30 * DAY, 200 * DAY, 7))
