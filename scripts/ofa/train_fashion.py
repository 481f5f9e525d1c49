#!/usr/bin/env python3
"""Train the Fashion-MNIST OFA supernet of the bundled family.

    /usr/bin/python3 scripts/ofa/train_fashion.py --steps 2600 --out /tmp/fashion-ofa/supernet.pt
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from dynofa.configs import FASHION_SPEC  # noqa: E402
from dynofa.train import train_supernet  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=2600)
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--lr", type=float, default=0.08)
    ap.add_argument("--wd", type=float, default=4e-5)
    ap.add_argument("--n-random", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--data", default=None, help="Fashion-MNIST directory (default: Debian package path)")
    ap.add_argument("--out", required=True, help="checkpoint path (.pt)")
    ap.add_argument("--resume", default=None, help="continue training from this checkpoint (new LR cycle)")
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--state", default=None,
                    help="resumable run: training state saved here every --save-every steps; "
                         "rerunning the same command continues from it")
    ap.add_argument("--save-every", type=int, default=200)
    ap.add_argument("--until-step", type=int, default=None,
                    help="stop after this step (needs --state); rerun without it to finish")
    a = ap.parse_args(argv)
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    res = train_supernet(FASHION_SPEC, a.steps, a.batch_size, a.lr, a.wd, a.n_random, a.seed,
                         warmup=a.warmup, threads=a.threads, data_root=a.data, ckpt_path=a.out, resume=a.resume,
                         state_path=a.state, save_every=a.save_every, until_step=a.until_step,
                         log=lambda s: print(s, flush=True))
    print(json.dumps(res["info"]), flush=True)


if __name__ == "__main__":
    main()
