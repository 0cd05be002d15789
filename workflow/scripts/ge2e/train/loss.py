"""Generalized end-to-end (GE2E) loss, Wan et al. 2018, fully vectorised."""

import torch
from torch import nn

W_MIN = 1e-6  # the paper constrains w > 0 so that larger cosine means larger similarity


class GE2ELoss(nn.Module):
    """GE2E loss with learnable scale w and bias b.

    S[j,i,k] = w * cos(e_ji, c_k) + b, where c_k is the centroid of speaker k and,
    for k == j, the centroid excludes e_ji itself (paper eq. 8).

    - ``softmax``: L(e_ji) = -S[j,i,j] + log sum_k exp(S[j,i,k])          (eq. 6)
    - ``contrast``: L(e_ji) = 1 - sigmoid(S[j,i,j]) + max_{k!=j} sigmoid(S[j,i,k])  (eq. 7)

    The loss is the sum over all N*M embeddings (eq. 10), as in the paper.
    """

    def __init__(self, method, init_w=10.0, init_b=-5.0):
        # method is config train.loss (its default is the schema's); w and b start where the paper says.
        super().__init__()
        if method not in ("softmax", "contrast"):
            raise ValueError(f"method must be 'softmax' or 'contrast', not {method!r}")
        self.method = method
        self.w = nn.Parameter(torch.tensor(float(init_w)))
        self.b = nn.Parameter(torch.tensor(float(init_b)))

    def similarity(self, embeddings):
        """Scaled cosine similarities.

        Args:
            embeddings: (N, M, D) N speakers x M utterances, M >= 2.
        Returns:
            (N, M, N): entry [j, i, k] = w * cos(e_ji, c_k) + b.
        """
        n, m, _ = embeddings.shape
        if m < 2:
            raise ValueError("GE2E needs at least 2 utterances per speaker")
        total = embeddings.sum(dim=1)  # (N, D)
        centroids = total / m  # (N, D)
        exclusive = (total.unsqueeze(1) - embeddings) / (m - 1)  # (N, M, D): c_j without e_ji
        e = nn.functional.normalize(embeddings, dim=-1)
        cos = torch.einsum("jid,kd->jik", e, nn.functional.normalize(centroids, dim=-1))  # (N, M, N)
        cos_own = nn.functional.cosine_similarity(embeddings, exclusive, dim=-1, eps=1e-8)  # (N, M)
        own = torch.eye(n, dtype=torch.bool, device=embeddings.device).unsqueeze(1)  # (N, 1, N)
        cos = torch.where(own, cos_own.unsqueeze(-1), cos)
        return self.w.clamp(min=W_MIN) * cos + self.b

    def forward(self, embeddings):
        """embeddings (N, M, D) -> scalar loss (sum over the N*M embeddings)."""
        sim = self.similarity(embeddings)  # (N, M, N)
        n = sim.shape[0]
        own = torch.eye(n, dtype=torch.bool, device=sim.device).unsqueeze(1).expand_as(sim)
        positive = sim[own].view(n, -1)  # (N, M)
        if self.method == "softmax":
            per_utterance = torch.logsumexp(sim, dim=-1) - positive
        else:
            others = torch.sigmoid(sim).masked_fill(own, float("-inf")).amax(dim=-1)
            per_utterance = 1.0 - torch.sigmoid(positive) + others
        return per_utterance.sum()
