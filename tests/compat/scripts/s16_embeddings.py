"""Word embeddings: an nn.Embedding bag-of-words classifier, with a padding index."""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

vocab = ["<pad>", "good", "great", "fun", "bad", "awful", "boring", "movie", "plot"]
word_to_ix = {w: i for i, w in enumerate(vocab)}
sentences = [("good fun movie", 1), ("great plot", 1), ("bad boring movie", 0),
             ("awful plot", 0), ("great fun", 1), ("boring awful movie", 0)]


def encode(text, length=3):
    ids = [word_to_ix[w] for w in text.split()]
    return ids + [0] * (length - len(ids))


inputs = torch.tensor([encode(s) for s, _ in sentences])
labels = torch.tensor([label for _, label in sentences])
print("batch:", list(inputs.shape))


class BagOfEmbeddings(nn.Module):
    def __init__(self, vocab_size, dim):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, dim, padding_idx=0)
        self.classify = nn.Linear(dim, 2)

    def forward(self, ids):
        vectors = self.embedding(ids)
        mask = (ids != 0).unsqueeze(-1).float()
        mean = (vectors * mask).sum(dim=1) / mask.sum(dim=1)
        return self.classify(mean)


model = BagOfEmbeddings(len(vocab), 4)
rng = np.random.default_rng(13)
table = rng.normal(size=(len(vocab), 4)).astype(np.float32)
table[0] = 0.0
model.load_state_dict({
    "embedding.weight": torch.tensor(table),
    "classify.weight": torch.tensor(rng.normal(size=(2, 4)).astype(np.float32) * 0.5),
    "classify.bias": torch.tensor(np.zeros(2, dtype=np.float32)),
})
optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
for epoch in range(30):
    logits = model(inputs)
    loss = F.cross_entropy(logits, labels)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if epoch % 10 == 9:
        print(epoch, f"{loss.item():.6f}")

print("padding row still zero:", model.embedding.weight[0].abs().sum().item() == 0.0)
print("predictions:", model(inputs).argmax(dim=1).tolist())
vector = model.embedding(torch.tensor([word_to_ix["great"]]))
print("great:", [round(v, 4) for v in vector[0].tolist()])

pretrained = nn.Embedding.from_pretrained(torch.tensor(table))
print("frozen:", pretrained.weight.requires_grad)
print("lookup:", [round(v, 4) for v in pretrained(torch.tensor([2, 5])).sum(dim=0).tolist()])
