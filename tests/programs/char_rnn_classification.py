"""PyTorch's "NLP From Scratch: Classifying Names with a Character-Level RNN": names turned
into one-hot letter tensors, a Dataset split by random_split with a seeded Generator, an
nn.RNN + Linear + LogSoftmax classifier trained with SGD on summed per-name losses and
clip_grad_norm_, then a confusion matrix from topk guesses under no_grad. A handful of
names per language instead of the tutorial's files."""

import random
import string
import unicodedata

import numpy as np

import numbatorch as torch
import numbatorch.nn as nn
from numbatorch.utils.data import Dataset

allowed_characters = string.ascii_letters + " .,;'" + "_"
n_letters = len(allowed_characters)

NAMES = {
    "English": ["Smith", "Jones", "Taylor", "Brown", "Wilson", "Walker", "Wright", "Green"],
    "Italian": ["Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Ricci", "Greco"],
    "Japanese": ["Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito", "Nakamura", "Kato"],
}


def unicodeToAscii(s):
    return "".join(
        c
        for c in unicodedata.normalize("NFD", s)
        if unicodedata.category(c) != "Mn" and c in allowed_characters
    )


def letterToIndex(letter):
    if letter not in allowed_characters:
        return allowed_characters.find("_")
    else:
        return allowed_characters.find(letter)


def lineToTensor(line):
    tensor = torch.zeros(len(line), 1, n_letters)
    for li, letter in enumerate(line):
        tensor[li][0][letterToIndex(letter)] = 1
    return tensor


class NamesDataset(Dataset):
    def __init__(self, names):
        labels_set = set()
        self.data = []
        self.data_tensors = []
        self.labels = []
        self.labels_tensors = []
        for label, lines in names.items():
            labels_set.add(label)
            for name in lines:
                self.data.append(unicodeToAscii(name))
                self.data_tensors.append(lineToTensor(unicodeToAscii(name)))
                self.labels.append(label)
        self.labels_uniq = sorted(labels_set)
        for idx in range(len(self.labels)):
            temp_tensor = torch.tensor([self.labels_uniq.index(self.labels[idx])], dtype=torch.long)
            self.labels_tensors.append(temp_tensor)

    def __len__(self):
        return len(self.data)

    def __getitem__(self, idx):
        data_item = self.data[idx]
        data_label = self.labels[idx]
        data_tensor = self.data_tensors[idx]
        label_tensor = self.labels_tensors[idx]
        return label_tensor, data_tensor, data_label, data_item


class CharRNN(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super(CharRNN, self).__init__()
        self.rnn = nn.RNN(input_size, hidden_size)
        self.h2o = nn.Linear(hidden_size, output_size)
        self.softmax = nn.LogSoftmax(dim=1)

    def forward(self, line_tensor):
        rnn_out, hidden = self.rnn(line_tensor)
        output = self.h2o(hidden[0])
        output = self.softmax(output)
        return output


def label_from_output(output, output_labels):
    top_n, top_i = output.topk(1)
    label_i = top_i[0].item()
    return output_labels[label_i], label_i


def train(
    rnn, training_data, n_epoch=10, n_batch_size=4, learning_rate=0.2, criterion=nn.NLLLoss()
):
    current_loss = 0
    all_losses = []
    rnn.train()
    optimizer = torch.optim.SGD(rnn.parameters(), lr=learning_rate)
    for iter in range(1, n_epoch + 1):
        rnn.zero_grad()
        batches = list(range(len(training_data)))
        random.shuffle(batches)
        batches = np.array_split(batches, len(batches) // n_batch_size)
        for idx, batch in enumerate(batches):
            batch_loss = 0
            for i in batch:
                (label_tensor, text_tensor, label, text) = training_data[i]
                output = rnn.forward(text_tensor)
                loss = criterion(output, label_tensor)
                batch_loss += loss
            batch_loss.backward()
            nn.utils.clip_grad_norm_(rnn.parameters(), 3)
            optimizer.step()
            optimizer.zero_grad()
            current_loss += batch_loss.item() / len(batch)
        all_losses.append(current_loss / len(batches))
        current_loss = 0
    return all_losses


def evaluate(rnn, testing_data, classes):
    confusion = torch.zeros(len(classes), len(classes))
    rnn.eval()
    with torch.no_grad():
        for i in range(len(testing_data)):
            (label_tensor, text_tensor, label, text) = testing_data[i]
            output = rnn(text_tensor)
            guess, guess_i = label_from_output(output, classes)
            label_i = classes.index(label)
            confusion[label_i][guess_i] += 1
    for i in range(len(classes)):
        denom = confusion[i].sum()
        if denom > 0:
            confusion[i] = confusion[i] / denom
    return confusion


def main(n_epoch: int = 12) -> dict:
    random.seed(0)
    torch.manual_seed(0)
    device = torch.device("cpu")
    torch.set_default_device(device)
    print(f"{lineToTensor('Ahn').size()=}")
    alldata = NamesDataset(NAMES)
    train_set, test_set = torch.utils.data.random_split(
        alldata, [0.75, 0.25], generator=torch.Generator(device=device).manual_seed(2024)
    )
    n_hidden = 32
    rnn = CharRNN(n_letters, n_hidden, len(alldata.labels_uniq))
    print(rnn)
    all_losses = train(rnn, train_set, n_epoch=n_epoch, learning_rate=0.15)
    confusion = evaluate(rnn, train_set, classes=alldata.labels_uniq)
    return {
        "losses": all_losses,
        "train_accuracy": confusion.diag().mean().item(),
        "test_size": len(test_set),
    }


if __name__ == "__main__":
    print(main())
