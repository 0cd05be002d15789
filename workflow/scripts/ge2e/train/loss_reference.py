"""The GE2E loss written out as loops: the reference ``ge2e.train.loss.GE2ELoss`` is checked against.

It follows the paper's equations the way the earlier public PyTorch port did: Python loops
over speakers j, utterances i and centroids k, one cosine per (j, i, k) with the exclusive
centroid for k == j (eq. 8), then eq. 6 or 7 per embedding, summed (eq. 10). Slow by
design (seconds at paper size): tests/test_loss.py compares values with it and
bench/loss.py values, gradients and time, so both import this one copy. It is built from
torch operations so that autograd gives the reference's gradients too.
"""

import torch
import torch.nn.functional as F


def loop_loss(e, w, b, method):
    """The paper's equations 5-10 as loops.

    Args:
        e: (N, M, D) embeddings.
        w, b: 0-d tensors (or floats), the similarity scale and bias.
        method: "softmax" (eq. 6) or "contrast" (eq. 7).
    Returns:
        0-d tensor, the loss summed over all N*M embeddings.
    """
    n, m, _ = e.shape
    centroids = []
    for k in range(n):  # eq. 1: c_k = mean_i e_ki
        total = e[k, 0]
        for i in range(1, m):
            total = total + e[k, i]
        centroids.append(total / m)
    loss = 0.0
    for j in range(n):
        for i in range(m):
            sims = []
            for k in range(n):
                if k == j:  # eq. 8: speaker j's centroid without e_ji itself
                    c = sum(e[j, q] for q in range(m) if q != i) / (m - 1)
                else:
                    c = centroids[k]
                sims.append(w * F.cosine_similarity(e[j, i], c, dim=0) + b)  # eq. 5 / 9
            s = torch.stack(sims)  # (N,) row S[j, i, :]
            if method == "softmax":
                loss = loss + (-s[j] + torch.log(torch.exp(s).sum()))  # eq. 6
            else:
                sig = torch.sigmoid(s)
                loss = loss + (1 - sig[j] + torch.stack([sig[k] for k in range(n) if k != j]).max())  # eq. 7
    return loss
