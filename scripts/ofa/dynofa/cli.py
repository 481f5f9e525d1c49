"""What the toolkit's command-line scripts share."""
from __future__ import annotations


def run_cli(main) -> None:
    """Runs a toolkit CLI's main(): bad configs, checkpoints, manifests and missing files end with a short
    error, exit 2."""
    import sys
    from .configs import CheckpointError, ConfigError
    from .manifest import FamilyInvalid
    try:
        main()
    except (ConfigError, CheckpointError, FamilyInvalid, FileNotFoundError) as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)
