"""A small ResNet the way torchvision's resnet.py and the CIFAR training scripts write one:
BasicBlock with a 1x1 downsample shortcut, kaiming_normal_ init (mode='fan_out'),
AdaptiveAvgPool2d + torch.flatten, SGD with momentum, nesterov and weight decay, a
MultiStepLR schedule, then a CosineAnnealingLR one; accuracy by argmax under
model.eval() and no_grad. Tiny synthetic 8x8 images whose class is the brightest
quadrant."""

import numbatorch as torch
import numbatorch.nn as nn
import numbatorch.nn.functional as F
import numbatorch.optim as optim


def conv3x3(in_planes, out_planes, stride=1):
    return nn.Conv2d(in_planes, out_planes, kernel_size=3, stride=stride, padding=1, bias=False)


def conv1x1(in_planes, out_planes, stride=1):
    return nn.Conv2d(in_planes, out_planes, kernel_size=1, stride=stride, bias=False)


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, inplanes, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = conv3x3(inplanes, planes, stride)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = conv3x3(planes, planes)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x):
        identity = x
        out = self.conv1(x)
        out = self.bn1(out)
        out = self.relu(out)
        out = self.conv2(out)
        out = self.bn2(out)
        if self.downsample is not None:
            identity = self.downsample(x)
        out += identity
        out = self.relu(out)
        return out


class ResNet(nn.Module):
    def __init__(self, block, layers, num_classes=4, width=8):
        super().__init__()
        self.inplanes = width
        self.conv1 = nn.Conv2d(3, self.inplanes, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(self.inplanes)
        self.relu = nn.ReLU(inplace=True)
        self.layer1 = self._make_layer(block, width, layers[0])
        self.layer2 = self._make_layer(block, width * 2, layers[1], stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(width * 2 * block.expansion, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)

    def _make_layer(self, block, planes, blocks, stride=1):
        downsample = None
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = nn.Sequential(
                conv1x1(self.inplanes, planes * block.expansion, stride),
                nn.BatchNorm2d(planes * block.expansion),
            )
        layers = []
        layers.append(block(self.inplanes, planes, stride, downsample))
        self.inplanes = planes * block.expansion
        for _ in range(1, blocks):
            layers.append(block(self.inplanes, planes))
        return nn.Sequential(*layers)

    def forward(self, x):
        x = self.conv1(x)
        x = self.bn1(x)
        x = self.relu(x)
        x = self.layer1(x)
        x = self.layer2(x)
        x = self.avgpool(x)
        x = torch.flatten(x, 1)
        x = self.fc(x)
        return x


def make_data(n):
    images = torch.rand(n, 3, 8, 8) * 0.5
    labels = torch.randint(0, 4, (n,))
    for i in range(n):
        row, col = divmod(labels[i].item(), 2)
        images[i, :, row * 4 : row * 4 + 4, col * 4 : col * 4 + 4] += 0.5
    return images, labels


def run_epoch(model, loader, criterion, optimizer):
    model.train()
    running_loss = 0.0
    for inputs, targets in loader:
        optimizer.zero_grad()
        outputs = model(inputs)
        loss = criterion(outputs, targets)
        loss.backward()
        optimizer.step()
        running_loss += loss.item() * inputs.size(0)
    return running_loss / len(loader.dataset)


def accuracy(model, images, labels):
    model.eval()
    correct = 0
    with torch.no_grad():
        outputs = model(images)
        _, predicted = outputs.max(1)
        correct += predicted.eq(labels).sum().item()
    return correct / labels.size(0)


def main(epochs: int = 3) -> dict:
    torch.manual_seed(0)
    images, labels = make_data(48)
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(images, labels), batch_size=16, shuffle=True
    )
    model = ResNet(BasicBlock, [1, 1])
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.SGD(
        model.parameters(), lr=0.1, momentum=0.9, nesterov=True, weight_decay=5e-4
    )
    scheduler = optim.lr_scheduler.MultiStepLR(optimizer, milestones=[2, 3], gamma=0.1)
    losses, lrs = [], []
    for epoch in range(epochs):
        losses.append(run_epoch(model, loader, criterion, optimizer))
        lrs.append(scheduler.get_last_lr()[0])
        scheduler.step()
    optimizer = optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)
    scheduler = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
    for epoch in range(epochs):
        losses.append(run_epoch(model, loader, criterion, optimizer))
        lrs.append(scheduler.get_last_lr()[0])
        scheduler.step()
    probabilities = F.softmax(model(images[:2]), dim=1)
    return {
        "losses": losses,
        "lrs": lrs,
        "accuracy": accuracy(model, images, labels),
        "probability_sums": probabilities.sum(1).tolist(),
    }


if __name__ == "__main__":
    print(main())
