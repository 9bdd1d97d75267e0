#!/usr/bin/env python3
"""Sets one VM's security settings to passing or failing values through the standard vSphere API.

Usage: make_vm_drift.py URL USER VMNAME harden|drift (password on stdin).
harden: sets the settings that have no safe default to passing values (one console connection,
boot from disk only, logging on, vMotion encryption required).
drift: in one ReconfigVM_Task it sets the
advanced settings VM controls read to failing values, turns logging off and vMotion encryption to
disabled; a second adds a floppy drive, a serial port, a parallel port and a USB controller, and
makes the VM's first disk independent non-persistent. Prints each change as KEY=VALUE, one a line.
"""
import sys

from pyVim.connect import Disconnect
from pyVim.task import WaitForTask
from pyVmomi import vim

from vsphere import connect

FAILING_SETTINGS = {
    "isolation.tools.copy.disable": "FALSE",
    "isolation.tools.paste.disable": "FALSE",
    "isolation.tools.dnd.disable": "FALSE",
    "isolation.tools.diskShrink.disable": "FALSE",
    "isolation.tools.diskWiper.disable": "FALSE",
    "isolation.device.connectable.disable": "FALSE",
    "mks.enable3d": "TRUE",
    "tools.guestlib.enableHostInfo": "TRUE",
    "tools.guest.desktop.autolock": "FALSE",
    "RemoteDisplay.maxConnections": "4",
    "tools.setInfo.sizeLimit": "8388608",
    "log.keepOld": "100",
    "log.rotateSize": "0",
    "sched.mem.pshare.salt": "shared-salt",
    "ethernet0.filter0.name": "thirdparty-filter",
    "bios.bootDeviceClasses": "allow:cd,net,hd",
}


PASSING_SETTINGS = {
    "RemoteDisplay.maxConnections": "1",
    "bios.bootDeviceClasses": "allow:hd",
}


def harden(vm):
    spec = vim.vm.ConfigSpec()
    spec.extraConfig = [vim.option.OptionValue(key=k, value=v) for k, v in PASSING_SETTINGS.items()]
    spec.flags = vim.vm.FlagInfo(enableLogging=True)
    spec.migrateEncryption = "required"
    WaitForTask(vm.ReconfigVM_Task(spec=spec))
    for k, v in PASSING_SETTINGS.items():
        print(f"{k}={v}")
    print("flags.enableLogging=true")
    print("migrateEncryption=required")


def main():
    url, user, vm_name, mode = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
    si = connect(url, user)
    try:
        content = si.RetrieveContent()
        view = content.viewManager.CreateContainerView(content.rootFolder, [vim.VirtualMachine], True)
        vm = next(v for v in view.view if v.name == vm_name)
        view.Destroy()
        if mode == "harden":
            harden(vm)
            return

        spec = vim.vm.ConfigSpec()
        spec.extraConfig = [vim.option.OptionValue(key=k, value=v) for k, v in FAILING_SETTINGS.items()]
        spec.flags = vim.vm.FlagInfo(enableLogging=False)
        spec.migrateEncryption = "disabled"
        WaitForTask(vm.ReconfigVM_Task(spec=spec))
        for k, v in FAILING_SETTINGS.items():
            print(f"{k}={v}")
        print("flags.enableLogging=false")
        print("migrateEncryption=disabled")

        disk = next(d for d in vm.config.hardware.device if isinstance(d, vim.vm.device.VirtualDisk))
        disk.backing.diskMode = "independent_nonpersistent"
        add = vim.vm.device.VirtualDeviceSpec.Operation.add
        edit = vim.vm.device.VirtualDeviceSpec.Operation.edit
        changes = [
            vim.vm.device.VirtualDeviceSpec(operation=edit, device=disk),
            vim.vm.device.VirtualDeviceSpec(operation=add, device=vim.vm.device.VirtualFloppy(key=-101)),
            vim.vm.device.VirtualDeviceSpec(operation=add, device=vim.vm.device.VirtualSerialPort(key=-102)),
            vim.vm.device.VirtualDeviceSpec(operation=add, device=vim.vm.device.VirtualParallelPort(key=-103)),
            vim.vm.device.VirtualDeviceSpec(operation=add, device=vim.vm.device.VirtualUSBController(key=-104)),
        ]
        WaitForTask(vm.ReconfigVM_Task(spec=vim.vm.ConfigSpec(deviceChange=changes)))
        print("disk=independent_nonpersistent")
        print("devices=VirtualFloppy,VirtualSerialPort,VirtualParallelPort,VirtualUSBController")
    finally:
        Disconnect(si)


if __name__ == "__main__":
    main()
