"""Synthetic partner directories for the speed benchmark (seeded, so every run is the same)."""

from __future__ import annotations

import random

from bot.matching.profile import ProfileRecord

CAPABILITY_CORES = [
    "unified communications", "VoIP phone systems", "Cisco UC", "contact center", "IP phone apps", "video conferencing",
    "Kubernetes", "DevOps pipelines", "cloud migration", "AWS", "Azure", "data center", "SD-WAN", "wireless networks",
    "structured cabling", "fiber optic", "disaster recovery", "backup", "managed IT", "security operations",
    "penetration testing", "PCI compliance", "identity management", "video surveillance", "digital signage",
    "point of sale", "kitchen display systems", "ERP", "Salesforce CRM", "business intelligence", "machine learning",
    "IoT sensors", "mobile apps", "web development", "ecommerce", "help desk", "field service", "staff augmentation",
    "hardware leasing", "rugged devices", "payment terminals", "localization", "training", "workforce management",
    "timecard apps", "network monitoring", "firewalls", "Microsoft 365", "data warehouse", "smart buildings",
]
CAPABILITY_VERBS = ["installation", "design", "consulting", "support", "development", "integration", "services",
                    "deployment", "management", "migration", "", "", ""]
INDUSTRIES = ["Restaurants", "Retail", "Healthcare", "Finance", "Manufacturing", "Education", "Government",
              "Hospitality", "Energy", "Legal", "Logistics", "Real estate", "Media", "Nonprofit", "Agriculture"]
REGIONS = [
    "global", "EMEA", "APAC", "LATAM", "North America", "DACH", "Nordics", "Benelux", "Southwest", "Midwest",
    "Pacific Northwest", "New England", "United States", "Canada", "UK", "Germany", "France", "Japan", "Australia",
    "Brazil", "Mexico", "India", "Arizona", "Texas", "California", "New York", "Florida", "Illinois", "Colorado",
    "Washington", "Georgia", "Ohio", "Ontario", "Bavaria", "Phoenix, AZ", "Tucson, AZ", "Dallas, TX", "Austin, TX",
    "Chicago", "Denver", "Seattle", "Boston", "Atlanta", "Miami", "London", "Berlin", "Paris", "Sydney", "Toronto",
    "US-AZ", "US-NM", "US-NV", "US-UT",
]
CERTS = ["Cisco Gold Certified", "Cisco Premier Certified", "Microsoft Solutions Partner", "AWS Advanced Tier",
         "ISO 27001", "SOC 2 Type II", "PCI QSA", "Veeam Gold", "BICSI Registered", "Salesforce Crest Partner"]
TYPES = ["ISV", "IHV", "solution provider", "systems integrator", "installer", "managed service provider",
         "service outsourcer", "distributor", "consultancy"]
NAME_A = ["Blue", "Red", "Iron", "Summit", "Desert", "Coastal", "North", "Prime", "Apex", "Silver", "Granite",
          "Cedar", "Harbor", "Quantum", "Vector", "Nimbus", "Atlas", "Beacon", "Cascade", "Frontier"]
NAME_B = ["Networks", "Systems", "Voice", "Cloud", "Labs", "Solutions", "Partners", "Technologies", "Works", "Group",
          "Integrators", "Digital", "Services", "Data", "Security"]


def synthetic_profiles(n: int, *, seed: int = 7) -> list[ProfileRecord]:
    rnd = random.Random(seed)
    out = []
    for i in range(1, n + 1):
        caps = tuple(f"{rnd.choice(CAPABILITY_CORES)} {rnd.choice(CAPABILITY_VERBS)}".strip()
                     for _ in range(rnd.randint(2, 5)))
        name = f"{rnd.choice(NAME_A)} {rnd.choice(NAME_B)} {i}"
        out.append(ProfileRecord(
            company_id=i, name=name, partner_type=rnd.choice(TYPES), capabilities=caps,
            industries=tuple(rnd.sample(INDUSTRIES, rnd.randint(1, 3))),
            regions=tuple(rnd.sample(REGIONS, rnd.randint(1, 3))),
            certifications=tuple(rnd.sample(CERTS, rnd.randint(0, 2))),
            description=f"{name} delivers {caps[0]} for {rnd.choice(INDUSTRIES).lower()} customers.",
            capacity=rnd.choices(["open", "limited", "full"], weights=[85, 10, 5])[0],
        ))
    return out


ASKS = [
    "cisco UC install plus custom ip phone apps for timecards in Tucson, AZ",
    "kuberntes platform engineering in the US",
    "unifed comms installer near Phoenix",
    "SOC for a bank in EMEA",
    "POS for QSR franchisees; digital menu boards",
    "DR and offsite backup for a Chicago law firm",
    "SD-WAN rollout for 200 retail stores in Texas",
    "Salesforce CRM + BI dashboards",
    "penetration testing and PCI compliance",
    "video surveillance installation in Las Vegas",
    "managed IT services in Germany",
    "K8s migration to AWS",
    "wifi installation for hotels in Florida",
    "machine learning for healthcare",
    "fiber optic installation in Illinois",
    "help desk outsourcing",
    "ERP implementation for manufacturers in DACH",
    "video conferencing rooms in London",
    "IoT sensors for smart buildings in APAC",
    "underwater basket weaving",
]
