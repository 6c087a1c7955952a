"""The phone app shell: home screen, health check (manifest and service worker arrive with the PWA)."""
