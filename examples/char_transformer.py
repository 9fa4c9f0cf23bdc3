"""A character-level transformer language model trained on the Shakespeare text that ships
with numbatorch (the opening of Coriolanus): token and position embeddings, a stack of
pre-norm TransformerEncoder layers under a causal mask, and a linear head predicting the
next character. Shows progress and the loss on held-out text, then samples a few lines.

    python examples/char_transformer.py --steps 2000
"""

from __future__ import annotations

import argparse
import time

import numbatorch as torch
import numbatorch.nn as nn
import numbatorch.nn.functional as F


class CharTransformer(nn.Module):
    """Embeddings of characters and positions -> causal transformer encoder -> logits."""

    def __init__(self, vocab: int, block: int, d_model: int, heads: int, layers: int,
                 dropout: float) -> None:  # fmt: skip
        super().__init__()
        self.block = block
        self.token = nn.Embedding(vocab, d_model)
        self.position = nn.Embedding(block, d_model)
        layer = nn.TransformerEncoderLayer(d_model, heads, 4 * d_model, dropout,
                                           activation="gelu", batch_first=True,
                                           norm_first=True)  # fmt: skip
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, vocab)

    def forward(self, idx):
        length = idx.shape[1]
        x = self.token(idx) + self.position(torch.arange(length, device=idx.device))
        mask = nn.Transformer.generate_square_subsequent_mask(length, device=idx.device)
        x = self.encoder(x, mask=mask, is_causal=True)
        return self.head(self.norm(x))


def batches(data, block: int, batch_size: int, generator):
    """Random windows of `block` characters and the windows one character later."""
    starts = torch.randint(0, len(data) - block - 1, (batch_size,), generator=generator)
    x = torch.stack([data[s : s + block] for s in starts.tolist()])
    y = torch.stack([data[s + 1 : s + 1 + block] for s in starts.tolist()])
    return x, y


@torch.no_grad()
def held_out_loss(model, data, block: int, batch_size: int, generator, rounds: int = 4):
    model.eval()
    total = 0.0
    for _ in range(rounds):
        x, y = batches(data, block, batch_size, generator)
        total += F.cross_entropy(model(x).flatten(0, 1), y.flatten()).item()
    model.train()
    return total / rounds


@torch.no_grad()
def sample(model, start, length: int, temperature: float, generator):
    """`length` characters drawn one at a time after the prompt `start` (1-D indices)."""
    model.eval()
    idx = start[None]
    for _ in range(length):
        logits = model(idx[:, -model.block :])[:, -1] / temperature
        following = torch.multinomial(F.softmax(logits, dim=-1), 1, generator=generator)
        idx = torch.cat([idx, following], dim=1)
    return idx[0, start.numel() :]


def parse(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--block-size", type=int, default=64, help="context, in characters")
    parser.add_argument("--d-model", type=int, default=64)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--dropout", type=float, default=0.1)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--log-every", type=int, default=50)
    parser.add_argument("--sample-length", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    return parser.parse_args(argv)


def main(argv=None) -> float:
    """Trains, prints progress and a sample; returns the final held-out loss."""
    args = parse(argv)
    torch.manual_seed(args.seed)
    text = torch.datasets.load_shakespeare()
    chars = sorted(set(text))
    index = {c: i for i, c in enumerate(chars)}
    data = torch.tensor([index[c] for c in text], dtype=torch.long, device=args.device)
    split = int(0.9 * len(data))
    train, held_out = data[:split], data[split:]
    model = CharTransformer(len(chars), args.block_size, args.d_model, args.heads,
                            args.layers, args.dropout).to(args.device)  # fmt: skip
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, args.steps)
    generator = torch.Generator().manual_seed(args.seed)
    parameters = sum(p.numel() for p in model.parameters())
    print(f"{len(text):,} characters, {len(chars)} distinct; {parameters:,} parameters")
    started = time.perf_counter()
    for step in range(1, args.steps + 1):
        x, y = batches(train, args.block_size, args.batch_size, generator)
        loss = F.cross_entropy(model(x).flatten(0, 1), y.flatten())
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        if step % args.log_every == 0 or step == args.steps:
            per_step = (time.perf_counter() - started) / step
            print(f"step {step:5d}/{args.steps}  loss {loss.item():.3f}  "
                  f"({per_step * 1e3:.0f} ms/step)", flush=True)  # fmt: skip
    final = held_out_loss(model, held_out, args.block_size, args.batch_size, generator)
    print(f"held-out loss {final:.3f} (uniform guessing: {torch.tensor(len(chars)).log():.3f})")
    prompt = data[split : split + args.block_size // 2]
    drawn = sample(model, prompt, args.sample_length, 0.8, generator)
    print("sample:\n" + "".join(chars[i] for i in prompt.tolist() + drawn.tolist()))
    return final


if __name__ == "__main__":
    main()
