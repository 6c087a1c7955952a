"""The phone app shell: home screen, web app manifest, service worker, offline page, health check."""
