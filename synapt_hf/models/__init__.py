"""Video models: presets, loading from presets/checkpoints/Hub ids, head swap, tube masking, probe head."""
