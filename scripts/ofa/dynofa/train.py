"""Weight-sharing training of an elastic supernet on Fashion-MNIST.

Sandwich rule with in-place distillation (per step: the largest sub-network
trained on the labels with label smoothing, then the smallest and N random
sub-networks trained towards the largest one's soft predictions), SGD with
Nesterov momentum and a cosine schedule; everything seeded."""
from __future__ import annotations

import json
import math
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
                   resume: Optional[str] = None) -> Dict[str, Any]:
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
    model.train()
    for step in range(steps):
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
                   "loss_min": round(losses[1], 4), "elapsed_s": round(el, 1),
                   "eta_s": round(el / (step + 1) * (steps - step - 1), 1)}
            hist.append(rec)
            log(json.dumps(rec))
        if ckpt_path and (step + 1) % 1000 == 0:
            torch.save({"spec": spec.to_dict(), "state_dict": model.state_dict(), "step": step + 1}, ckpt_path)
    train_time = time.time() - t0
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
