"""Data package: promptsmith's rule files (TOML), shipped inside the wheel as promptsmith.rules."""
