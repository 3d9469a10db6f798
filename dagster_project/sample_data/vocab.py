"""Word lists the sample generator draws from (each becomes a DuckDB list macro of the same name)."""

LISTS = {
    "name_prefixes": ["Acme", "Globex", "Initech", "Umbra", "Vertex", "Northwind", "Bluefin", "Cobalt",
                      "Helix", "Lumen", "Orbit", "Quantum", "Redwood", "Summit", "Tandem", "Zenith",
                      "Apex", "Beacon", "Cascade", "Delta", "Ember", "Fjord", "Granite", "Harbor"],
    "name_cores": ["Data", "Labs", "Systems", "Analytics", "Health", "Logistics", "Foods", "Energy",
                   "Capital", "Robotics", "Media", "Retail", "Cloud", "Bio", "Works", "Networks",
                   "Dynamics", "Payments", "Learning", "Motors"],
    "places": ["North", "Pacific", "Atlantic", "Alpine", "Metro", "Prairie", "Coastal", "Central",
               "Highland", "Lakeside", "Rivers", "Union", "United", "Global", "First", "Pioneer",
               "Liberty", "Eastern", "Western", "Southern", "Capital", "Crown", "Royal", "Bay",
               "Valley", "Canyon", "Island", "Harbour", "Meridian", "Frontier"],
    "company_suffixes": ["Inc", "LLC", "Ltd", "GmbH", "Corp", "Group", "SA", "plc"],
    "tlds": [".com", ".com", ".com", ".io", ".co", ".de", ".co.uk", ".net"],
    "industries": ["Software", "Software", "Software", "Financial Services", "Financial Services",
                   "Healthcare", "Manufacturing", "Manufacturing", "Retail", "Education", "Media",
                   "Logistics", "Government", "Hospitality", "Telecommunications", "Energy"],
    "other_countries": ["ES", "IT", "SE", "JP", "SG", "MX", "KP", "IR", "CU", "ZA"],
    "us_states": ["CA", "NY", "TX", "WA", "MA", "IL", "CO", "GA", "FL", "NC"],
    "first_names": ["Alex", "Maria", "Sam", "Priya", "Jordan", "Chen", "Fatima", "Lukas", "Sofia",
                    "Omar", "Emma", "Noah", "Aisha", "Mateo", "Yuki", "Olivia", "Ivan", "Grace"],
    "last_names": ["Smith", "Garcia", "Müller", "Patel", "Kim", "Nguyen", "Johnson", "Rossi",
                   "Okafor", "Silva", "Novak", "Brown", "Ali", "Schmidt", "Lopez", "Tanaka"],
    "titles": ["Chief Executive Officer", "CTO", "Chief Data Officer", "VP Engineering",
               "VP of Marketing", "Head of Data", "Director of IT", "Director, Revenue Operations",
               "Senior Data Engineer", "Marketing Manager", "Data Analyst", "Account Executive",
               "Software Engineer", "Office Manager", "Procurement Specialist", "Head of Growth"],
    "metro_areas": ["New York, NY", "San Francisco, CA", "London", "Chicago, IL", "Berlin", "Austin, TX"],
    "departments": ["Executive", "Engineering", "Marketing", "IT", "Operations", "Sales", "Finance"],
    "intent_topics": ["data pipelines", "data integration", "customer data platform", "ETL",
                      "data warehouse", "reverse ETL", "marketing analytics", "cloud migration"],
    "fit_technologies": ["Salesforce", "Snowflake", "HubSpot", "dbt", "Segment", "AWS", "Databricks",
                         "Google BigQuery", "Marketo", "Shopify", "WordPress", "Zendesk",
                         "Informatica", "Talend", "Microsoft Dynamics", "Oracle"],
    "tech_categories": ["CRM", "Data Warehouse", "Marketing Automation", "Data Transformation", "CDP",
                        "Cloud Infrastructure", "Data Platform", "Data Warehouse", "Marketing Automation",
                        "E-commerce", "CMS", "Customer Support", "Data Integration", "Data Integration",
                        "CRM", "Database"],
    "opportunity_stages": ["Prospecting", "Qualification", "Proposal", "Negotiation", "Closed Won",
                           "Closed Lost", "Closed Lost"],
    "activity_types": ["email_reply", "email_reply", "meeting", "event_attended", "web_visit",
                       "web_visit", "web_visit", "demo_request"],
    "verifier_results": ["valid", "valid", "valid", "valid", "valid", "valid", "invalid", "catch-all",
                         "unknown", "valid"],
}


# Topics a Bombora customer tracks beside the ones scoring counts (they only add rows to read).
EXTRA_INTENT_TOPICS = [
    "data governance", "master data management", "data quality", "business intelligence",
    "predictive analytics", "machine learning", "data lake", "stream processing", "API management",
    "identity resolution", "account-based marketing", "sales intelligence", "revenue operations",
    "marketing automation", "lead scoring", "customer success", "product analytics", "data privacy",
    "GDPR compliance", "cloud cost management", "Kubernetes", "observability", "data catalog",
    "change data capture", "data mesh", "feature store", "vector database", "generative AI",
    "data clean rooms", "embedded analytics",
]


def tracked_topics(count: int) -> list[str]:
    """The scored topics first, then others (numbered once the list runs out) up to `count`."""
    core = LISTS["intent_topics"]
    extra = [f"{topic} ({n})" if n else topic for n in range(count) for topic in EXTRA_INTENT_TOPICS]
    return (core + extra)[:max(count, len(core))]
