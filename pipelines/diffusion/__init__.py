"""Pieces of the diffusion backends: SD 1.5 configs, CatVTON's attention changes, framing."""
