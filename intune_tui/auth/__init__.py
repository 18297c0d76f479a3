"""Sign-in with MSAL and the encrypted token cache."""
