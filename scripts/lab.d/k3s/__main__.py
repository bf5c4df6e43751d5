# LAB STAND-IN, never shipped: the entry point of the k3s stand-in zipapp (see k3slab/cli.py).
import sys

from k3slab import cli

sys.exit(cli.main(sys.argv))
