"""PyTorch examples' dcgan: a DCGAN generator (ConvTranspose2d, BatchNorm2d, ReLU, Tanh)
and discriminator (strided Conv2d, LeakyReLU, Sigmoid) initialised by `weights_init`
through `Module.apply`, trained against each other with BCELoss and two Adam optimizers,
then checkpointed by state_dict. The example's code on 16x16 fake images (its
`--dataset fake`) with few channels."""

import os
import tempfile

import numbatorch as torch
import numbatorch.nn as nn
import numbatorch.optim as optim
import numbatorch.utils.data

nz, ngf, ndf, nc = 8, 4, 4, 3


def weights_init(m):
    classname = m.__class__.__name__
    if classname.find("Conv") != -1:
        torch.nn.init.normal_(m.weight, 0.0, 0.02)
    elif classname.find("BatchNorm") != -1:
        torch.nn.init.normal_(m.weight, 1.0, 0.02)
        torch.nn.init.zeros_(m.bias)


class Generator(nn.Module):
    def __init__(self, ngpu):
        super(Generator, self).__init__()
        self.ngpu = ngpu
        self.main = nn.Sequential(
            nn.ConvTranspose2d(nz, ngf * 4, 4, 1, 0, bias=False),
            nn.BatchNorm2d(ngf * 4),
            nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ngf * 2),
            nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 2, nc, 4, 2, 1, bias=False),
            nn.Tanh(),
        )

    def forward(self, input):
        if (input.is_cuda or input.is_xpu) and self.ngpu > 1:
            output = nn.parallel.data_parallel(self.main, input, range(self.ngpu))
        else:
            output = self.main(input)
        return output


class Discriminator(nn.Module):
    def __init__(self, ngpu):
        super(Discriminator, self).__init__()
        self.ngpu = ngpu
        self.main = nn.Sequential(
            nn.Conv2d(nc, ndf, 4, 2, 1, bias=False),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ndf * 2),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 2, 1, 4, 1, 0, bias=False),
            nn.Sigmoid(),
        )

    def forward(self, input):
        if (input.is_cuda or input.is_xpu) and self.ngpu > 1:
            output = nn.parallel.data_parallel(self.main, input, range(self.ngpu))
        else:
            output = self.main(input)
        return output.view(-1, 1).squeeze(1)


def main(niter: int = 2) -> dict:
    torch.manual_seed(999)
    device = torch.device("cpu")
    ngpu = 1
    images = torch.rand(16, nc, 16, 16) * 2 - 1
    dataset = torch.utils.data.TensorDataset(images, torch.zeros(16, dtype=torch.long))
    dataloader = torch.utils.data.DataLoader(dataset, batch_size=8, shuffle=True, num_workers=0)

    netG = Generator(ngpu).to(device)
    netG.apply(weights_init)
    print(netG)
    netD = Discriminator(ngpu).to(device)
    netD.apply(weights_init)
    print(netD)

    criterion = nn.BCELoss()
    fixed_noise = torch.randn(8, nz, 1, 1, device=device)
    real_label = 1
    fake_label = 0
    optimizerD = optim.Adam(netD.parameters(), lr=0.0002, betas=(0.5, 0.999))
    optimizerG = optim.Adam(netG.parameters(), lr=0.0002, betas=(0.5, 0.999))

    history = {"Loss_D": [], "Loss_G": []}
    for epoch in range(niter):
        for i, data in enumerate(dataloader, 0):
            netD.zero_grad()
            real_cpu = data[0].to(device)
            batch_size = real_cpu.size(0)
            label = torch.full((batch_size,), real_label, dtype=real_cpu.dtype, device=device)
            output = netD(real_cpu)
            errD_real = criterion(output, label)
            errD_real.backward()
            D_x = output.mean().item()

            noise = torch.randn(batch_size, nz, 1, 1, device=device)
            fake = netG(noise)
            label.fill_(fake_label)
            output = netD(fake.detach())
            errD_fake = criterion(output, label)
            errD_fake.backward()
            D_G_z1 = output.mean().item()
            errD = errD_real + errD_fake
            optimizerD.step()

            netG.zero_grad()
            label.fill_(real_label)
            output = netD(fake)
            errG = criterion(output, label)
            errG.backward()
            D_G_z2 = output.mean().item()
            optimizerG.step()

            print(
                "[%d/%d][%d/%d] Loss_D: %.4f Loss_G: %.4f D(x): %.4f D(G(z)): %.4f / %.4f"
                % (epoch, niter, i, len(dataloader), errD.item(), errG.item(), D_x, D_G_z1, D_G_z2)
            )
            history["Loss_D"].append(errD.item())
            history["Loss_G"].append(errG.item())
        fake = netG(fixed_noise)
        history["fake_shape"] = tuple(fake.detach().shape)
        with tempfile.TemporaryDirectory() as outf:
            torch.save(netG.state_dict(), "%s/netG_epoch_%d.pth" % (outf, epoch))
            torch.save(netD.state_dict(), "%s/netD_epoch_%d.pth" % (outf, epoch))
            restored = Generator(ngpu)
            restored.load_state_dict(torch.load(os.path.join(outf, "netG_epoch_%d.pth" % epoch)))
            restored.eval()
            netG.eval()
            with torch.no_grad():
                history["restored_max_diff"] = (
                    (restored(fixed_noise) - netG(fixed_noise)).abs().max().item()
                )
            netG.train()
    return history


if __name__ == "__main__":
    print(main())
