"""Graph over async httpx: requests, paging, batching, retries, errors. Knows HTTP, not Intune."""
