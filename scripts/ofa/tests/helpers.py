import torch
import torch.nn as nn


def randomize(model: nn.Module, seed: int = 0, matrix_noise: float = 0.05):
    """Non-trivial weights/BN stats/kernel matrices so that checks are meaningful."""
    g = torch.Generator().manual_seed(seed)
    if hasattr(model, "init_weights"):
        model.init_weights(g)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("_matrix"):
                p.add_(matrix_noise * torch.randn(p.shape, generator=g))
            elif name.endswith("bias"):
                p.copy_(0.1 * torch.randn(p.shape, generator=g))
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.weight.copy_(0.5 + torch.rand(m.weight.shape, generator=g))
                m.bias.copy_(0.2 * torch.randn(m.bias.shape, generator=g))
                m.running_mean.copy_(0.2 * torch.randn(m.running_mean.shape, generator=g))
                m.running_var.copy_(0.5 + torch.rand(m.running_var.shape, generator=g))
    return model
