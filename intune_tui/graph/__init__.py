"""Graph over async httpx: requests, paging, batching, retries, errors. Knows HTTP and OData, not Intune."""
