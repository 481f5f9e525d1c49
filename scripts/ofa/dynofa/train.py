"""Weight-sharing training of an elastic supernet on Fashion-MNIST.

Sandwich rule with in-place distillation (per step: the largest sub-network
trained on the labels with label smoothing, then the smallest and N random
sub-networks trained towards the largest one's soft predictions), SGD with
Nesterov momentum and a cosine schedule; everything seeded."""
from __future__ import annotations

import json
import math
import os
import random
import time
from typing import Any, Dict, Optional

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from .configs import SupernetSpec, max_config, min_config, random_config
from .data import FASHION_MEAN, FASHION_STD, augment_u8, load_fashion, preprocess
from .supernet import OFAMobileNetV3


def _save_atomically(obj: Dict[str, Any], path: str) -> None:
    tmp = f"{path}.tmp-{os.getpid()}"
    torch.save(obj, tmp)
    os.replace(tmp, path)


def soft_ce(logits: torch.Tensor, target_probs: torch.Tensor) -> torch.Tensor:
    return torch.mean(torch.sum(-target_probs * F.log_softmax(logits, dim=1), dim=1))


def param_groups(model: nn.Module, wd: float):
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        if p.ndim <= 1 or name.endswith("_matrix"):
            no_decay.append(p)
        else:
            decay.append(p)
    return [{"params": decay, "weight_decay": wd}, {"params": no_decay, "weight_decay": 0.0}]


def train_supernet(spec: SupernetSpec, steps: int, batch_size: int = 128, lr: float = 0.08,
                   wd: float = 4e-5, n_random: int = 2, seed: int = 0, label_smoothing: float = 0.1,
                   warmup: int = 100, log_every: int = 50, threads: int = 2, log=print,
                   data_root: Optional[str] = None, ckpt_path: Optional[str] = None,
                   resume: Optional[str] = None, state_path: Optional[str] = None,
                   save_every: int = 200, until_step: Optional[int] = None) -> Dict[str, Any]:
    """`resume` starts a new LR cycle from a finished checkpoint. `state_path` makes the run itself
    resumable: every `save_every` steps the whole training state (weights, optimizer, data order, every
    random generator) is saved there, and a later call with the same arguments continues from it on the
    same schedule, giving the same weights as an uninterrupted run. `until_step` stops this call after that
    step (state saved), for training in chunks; the returned info then has "complete": False."""
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    np.random.seed(seed)
    rng = random.Random(seed)
    gen = torch.Generator().manual_seed(seed)

    x_train, y_train = load_fashion("train", data_root)
    x_train = torch.from_numpy(np.array(x_train))
    y_train = torch.from_numpy(y_train.astype(np.int64))
    n = x_train.shape[0]

    model = OFAMobileNetV3(spec)
    model.init_weights(torch.Generator().manual_seed(seed))
    previous = None
    if resume:
        ck = torch.load(resume, map_location="cpu")
        if ck.get("spec") != spec.to_dict():
            raise ValueError(f"{resume} was trained for another supernet spec")
        model.load_state_dict(ck["state_dict"], strict=True)
        previous = ck.get("train")
    model = model.to(memory_format=torch.channels_last)
    opt = torch.optim.SGD(param_groups(model, wd), lr=lr, momentum=0.9, nesterov=True)
    rmax, rmin = max(spec.resolutions), min(spec.resolutions)

    perm = torch.randperm(n, generator=gen)
    pos = 0
    t0 = time.time()
    hist = []
    first_step = 0
    elapsed_before = 0.0
    run_args = {"steps": steps, "batch_size": batch_size, "lr": lr, "wd": wd, "n_random": n_random, "seed": seed,
                "label_smoothing": label_smoothing, "warmup": warmup, "resume": resume, "spec": spec.to_dict()}
    if state_path and os.path.exists(state_path):
        st = torch.load(state_path, map_location="cpu")
        if st.get("args") != run_args:
            raise ValueError(f"{state_path} belongs to a run with other arguments; remove it or pass the same ones")
        model.load_state_dict(st["state_dict"], strict=True)
        model = model.to(memory_format=torch.channels_last)
        opt.load_state_dict(st["optimizer"])
        perm, pos, first_step, hist = st["perm"], st["pos"], st["step"], st["history"]
        gen.set_state(st["torch_gen"])
        rng.setstate(st["py_rng"])
        torch.set_rng_state(st["torch_rng"])
        np.random.set_state(st["np_rng"])
        elapsed_before = st["elapsed_s"]
        log(json.dumps({"resumed_at_step": first_step, "of": steps}))
    model.train()
    last_step = steps if until_step is None else min(steps, until_step)
    if state_path is None and last_step < steps:
        raise ValueError("until_step needs state_path (where to continue from)")
    for step in range(first_step, last_step):
        if pos + batch_size > n:
            perm = torch.randperm(n, generator=gen)
            pos = 0
        idx = perm[pos:pos + batch_size]
        pos += batch_size
        frames = augment_u8(x_train[idx], gen)
        labels = y_train[idx]
        cur_lr = lr * (step + 1) / warmup if step < warmup else \
            0.5 * lr * (1 + math.cos(math.pi * (step - warmup) / max(1, steps - warmup)))
        for g in opt.param_groups:
            g["lr"] = cur_lr
        opt.zero_grad(set_to_none=True)

        cfgs = [max_config(spec, rmax), min_config(spec, rmin)] + \
               [random_config(spec, rng) for _ in range(n_random)]
        losses = []
        teacher = None
        for i, cfg in enumerate(cfgs):
            model.set_active_subnet(cfg)
            x = preprocess(frames, cfg.r).contiguous(memory_format=torch.channels_last)
            out = model(x)
            if i == 0:
                loss = F.cross_entropy(out, labels, label_smoothing=label_smoothing)
                teacher = F.softmax(out.detach(), dim=1)
            else:
                loss = soft_ce(out, teacher)
            loss.backward()
            losses.append(loss.item())
        nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
        if (step + 1) % log_every == 0 or step == steps - 1:
            el = time.time() - t0
            rec = {"step": step + 1, "lr": round(cur_lr, 5), "loss_max": round(losses[0], 4),
                   "loss_min": round(losses[1], 4), "elapsed_s": round(elapsed_before + el, 1),
                   "eta_s": round(el / (step + 1 - first_step) * (steps - step - 1), 1)}
            hist.append(rec)
            log(json.dumps(rec))
        if ckpt_path and (step + 1) % 1000 == 0:
            torch.save({"spec": spec.to_dict(), "state_dict": model.state_dict(), "step": step + 1}, ckpt_path)
        if state_path and ((step + 1) % save_every == 0 or step == last_step - 1):
            _save_atomically({"args": run_args, "state_dict": model.state_dict(), "optimizer": opt.state_dict(),
                              "perm": perm, "pos": pos, "step": step + 1, "history": hist,
                              "torch_gen": gen.get_state(), "py_rng": rng.getstate(),
                              "torch_rng": torch.get_rng_state(), "np_rng": np.random.get_state(),
                              "elapsed_s": elapsed_before + time.time() - t0}, state_path)
    train_time = elapsed_before + time.time() - t0
    if last_step < steps:
        return {"model": model, "info": {"complete": False, "step": last_step, "steps": steps}, "history": hist}
    model = model.to(memory_format=torch.contiguous_format)
    info = {"steps": steps, "batch_size": batch_size, "lr": lr, "weight_decay": wd, "n_random": n_random,
            "seed": seed, "label_smoothing": label_smoothing, "warmup": warmup,
            "epochs": round(steps * batch_size / n, 2), "train_time_s": round(train_time, 1),
            "threads": threads, "mean": FASHION_MEAN, "std": FASHION_STD,
            "method": "sandwich rule (max + min + %d random sub-nets per step), in-place distillation "
                      "from the max sub-net, label smoothing on the max sub-net" % n_random}
    if previous is not None:
        info["resumedFrom"] = previous
        info["totalEpochs"] = round(info["epochs"] + previous.get("totalEpochs", previous.get("epochs", 0)), 2)
        info["totalTrainTimeS"] = round(train_time + previous.get("totalTrainTimeS",
                                                                   previous.get("train_time_s", 0)), 1)
    if ckpt_path:
        torch.save({"spec": spec.to_dict(), "state_dict": model.state_dict(), "train": info}, ckpt_path)
    return {"model": model, "info": info, "history": hist}
