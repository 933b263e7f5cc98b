"""The domain: plain Python that never imports reflex or fastapi. Each function takes the acting user's id,
checks permission, runs one transaction and returns plain data or raises a DomainError."""
