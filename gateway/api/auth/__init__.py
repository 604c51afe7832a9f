"""Who is calling: registered clients, the gateway's own tokens, external tokens by JWKS."""
