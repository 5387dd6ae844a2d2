"""Pure map builders: data in, `pdk.Deck` out, with a local outline and no tile server."""
