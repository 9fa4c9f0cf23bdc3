"""A fine-tuning script as PyTorch's transfer-learning tutorial writes one: a "pretrained"
backbone saved by state_dict and loaded with torch.load, its weights frozen with
requires_grad_(False) (the feature-extractor mode) or trained at a smaller rate in a
second param group (the fine-tune mode), a new classifier head, SGD with momentum and
StepLR, the best weights kept with copy.deepcopy(model.state_dict()) and restored, and
train/eval phases with torch.set_grad_enabled and running_corrects over the phases."""

import copy
import os
import tempfile

import numbatorch as torch
import numbatorch.nn as nn
import numbatorch.optim as optim
from numbatorch.optim import lr_scheduler


class Backbone(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 4, kernel_size=3, padding=1),
            nn.BatchNorm2d(4),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(2),
            nn.Conv2d(4, 8, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.AdaptiveAvgPool2d(1),
        )
        self.fc = nn.Linear(8, num_classes)

    def forward(self, x):
        x = self.features(x)
        x = torch.flatten(x, 1)
        return self.fc(x)


def make_loaders(n=48):
    images = torch.randn(n, 1, 8, 8)
    labels = (images[:, 0, :4].mean((1, 2)) > images[:, 0, 4:].mean((1, 2))).long()
    images[labels == 1, :, :4] += 1.0
    datasets = {
        "train": torch.utils.data.TensorDataset(images[:32], labels[:32]),
        "val": torch.utils.data.TensorDataset(images[32:], labels[32:]),
    }
    dataloaders = {
        x: torch.utils.data.DataLoader(datasets[x], batch_size=8, shuffle=x == "train")
        for x in ["train", "val"]
    }
    dataset_sizes = {x: len(datasets[x]) for x in ["train", "val"]}
    return dataloaders, dataset_sizes


def train_model(model, criterion, optimizer, scheduler, dataloaders, dataset_sizes, num_epochs=3):
    best_model_wts = copy.deepcopy(model.state_dict())
    best_acc = 0.0
    history = []
    for epoch in range(num_epochs):
        for phase in ["train", "val"]:
            if phase == "train":
                model.train()
            else:
                model.eval()
            running_loss = 0.0
            running_corrects = 0
            for inputs, labels in dataloaders[phase]:
                optimizer.zero_grad()
                with torch.set_grad_enabled(phase == "train"):
                    outputs = model(inputs)
                    _, preds = torch.max(outputs, 1)
                    loss = criterion(outputs, labels)
                    if phase == "train":
                        loss.backward()
                        optimizer.step()
                running_loss += loss.item() * inputs.size(0)
                running_corrects += torch.sum(preds == labels.data)
            if phase == "train":
                scheduler.step()
            epoch_loss = running_loss / dataset_sizes[phase]
            epoch_acc = running_corrects.double() / dataset_sizes[phase]
            print(f"{phase} Loss: {epoch_loss:.4f} Acc: {epoch_acc:.4f}")
            history.append((phase, epoch_loss, epoch_acc.item()))
            if phase == "val" and epoch_acc > best_acc:
                best_acc = epoch_acc
                best_model_wts = copy.deepcopy(model.state_dict())
    model.load_state_dict(best_model_wts)
    return model, history, float(best_acc)


def main() -> dict:
    torch.manual_seed(0)
    dataloaders, dataset_sizes = make_loaders()
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "pretrained.pth")
        torch.save(Backbone().state_dict(), path)

        # feature extractor: freeze everything, train a new head
        model_conv = Backbone()
        model_conv.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
        for param in model_conv.parameters():
            param.requires_grad = False
        num_ftrs = model_conv.fc.in_features
        model_conv.fc = nn.Linear(num_ftrs, 2)
        frozen_before = model_conv.features[0].weight.clone()
        criterion = nn.CrossEntropyLoss()
        optimizer_conv = optim.SGD(model_conv.fc.parameters(), lr=0.01, momentum=0.9)
        exp_lr_scheduler = lr_scheduler.StepLR(optimizer_conv, step_size=2, gamma=0.1)
        model_conv, history_conv, _ = train_model(
            model_conv, criterion, optimizer_conv, exp_lr_scheduler, dataloaders, dataset_sizes
        )
        trainable = [name for name, p in model_conv.named_parameters() if p.requires_grad]

        # fine-tuning: the backbone at a tenth of the head's learning rate
        model_ft = Backbone()
        model_ft.load_state_dict(torch.load(path))
        model_ft.features.requires_grad_(False)
        model_ft.fc = nn.Linear(model_ft.fc.in_features, 2)
        model_ft.features[4].requires_grad_(True)
        optimizer_ft = optim.SGD(
            [
                {"params": model_ft.features.parameters(), "lr": 1e-3},
                {"params": model_ft.fc.parameters()},
            ],
            lr=1e-2,
            momentum=0.9,
        )
        scheduler_ft = lr_scheduler.StepLR(optimizer_ft, step_size=2, gamma=0.1)
        model_ft, history_ft, best_acc = train_model(
            model_ft, criterion, optimizer_ft, scheduler_ft, dataloaders, dataset_sizes
        )
        lrs = [group["lr"] for group in optimizer_ft.param_groups]
        torch.save({"model": model_ft.state_dict(), "optimizer": optimizer_ft.state_dict()}, path)
        checkpoint = torch.load(path)
        resumed = Backbone(num_classes=2)
        resumed.load_state_dict(checkpoint["model"])
        optimizer_ft.load_state_dict(checkpoint["optimizer"])
    resumed.eval()
    model_ft.eval()
    with torch.no_grad():
        x = next(iter(dataloaders["val"]))[0]
        same = torch.equal(resumed(x), model_ft(x))
    return {
        "frozen_unchanged": torch.equal(frozen_before, model_conv.features[0].weight),
        "trainable": trainable,
        "history_conv": history_conv,
        "history_ft": history_ft,
        "best_acc": best_acc,
        "lrs": lrs,
        "resumed_equal": same,
    }


if __name__ == "__main__":
    print(main())
