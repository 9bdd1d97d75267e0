# Pester tests of what a user sees of the module's objects: table headers a user can filter on,
# ids shown whole in a 120-column console, and CSV that reads as text.
param([Parameter(Mandatory)] [string] $ModulePath)

BeforeAll {
    Import-Module $ModulePath -Force
    $moduleFolder = Split-Path $ModulePath
    $inv = Import-VirtInventory -Path (Join-Path $moduleFolder 'samples/pci-lab.json')

    # Every table view of the module's format file, as PowerShell loaded it: the type, and each column's
    # header with what the column shows (a property name, or a script block).
    function Get-TableColumn {
        foreach ($definition in Get-FormatData -TypeName 'VirtCompliance.*') {
            foreach ($view in $definition.FormatViewDefinition | Where-Object { $_.Control -is [System.Management.Automation.TableControl] }) {
                $headers = @($view.Control.Headers)
                $columns = @($view.Control.Rows[0].Columns)
                for ($i = 0; $i -lt $headers.Count; $i++) {
                    $entry = $columns[$i].DisplayEntry
                    [pscustomobject]@{
                        TypeName = $definition.TypeName
                        View     = $view.Name
                        Header   = if ($headers[$i].Label) { $headers[$i].Label } else { $entry.Value }
                        Width    = $headers[$i].Width
                        Shows    = $entry.ValueType
                        Value    = $entry.Value
                    }
                }
            }
        }
    }
}

Describe 'Table headers' {
    It 'finds the table views to check' {
        $columns = @(Get-TableColumn)
        ($columns.TypeName | Sort-Object -Unique).Count | Should -BeGreaterThan 15
        $columns.TypeName | Should -Contain 'VirtCompliance.VmMigrationExposure'
    }

    It 'names a property of its type in every column, the property the column shows' {
        $wrong = foreach ($column in Get-TableColumn) {
            $type = $column.TypeName -as [type]
            if (-not $type) { "$($column.TypeName): no such type"; continue }
            $properties = $type.GetProperties().Name
            if ($column.Header -notin $properties) { "$($column.TypeName) column '$($column.Header)' is no property of the type" }
            elseif ($column.Shows -eq 'Property' -and $column.Value -ne $column.Header) { "$($column.TypeName) column '$($column.Header)' shows $($column.Value)" }
        }
        $wrong | Should -BeNullOrEmpty
    }

    It 'lets Where-Object filter on the header a user reads (AutomatedByDrs, RuleId)' {
        $table = Get-VmMigrationExposure -Inventory $inv -Peer -WarningAction SilentlyContinue | Out-String -Width 120
        $table | Should -Match 'Vm\s+CurrentHost\s+TargetHost\s+Severity\s+AutomatedByDrs\s+LostControls'
        @(Get-VmMigrationExposure -Inventory $inv -Peer -WarningAction SilentlyContinue | Where-Object AutomatedByDrs).Count | Should -BeGreaterThan 0

        Test-PciSeparation -Inventory $inv | Out-String -Width 120 | Should -Match '(?m)^Fail\s+High\s+pci\.mixed-scope-host\s'
        @(Test-PciSeparation -Inventory $inv | Where-Object RuleId -eq pci.mixed-scope-host).Count | Should -BeGreaterThan 0
    }

    It 'shows counts under headers that are properties too (SharedHostCount, MigrationHostCount)' {
        $pair = Get-PciSegmentationMatrix -Inventory $inv | Where-Object { $_.ScopeA -eq 'Cde' -and $_.ScopeB -eq 'OutOfScope' }
        $pair.SharedHostCount | Should -Be @($pair.SharedHosts).Count
        $pair.MigrationHostCount | Should -Be @($pair.MigrationHosts).Count
        @(Get-PciSegmentationMatrix -Inventory $inv | Where-Object SharedHostCount -gt 0).Count | Should -BeGreaterThan 0
    }
}

Describe 'Ids in a 120-column table' {
    BeforeAll {
        # What the sample gives, every baseline and peer mode, passes included: the ids a user meets.
        $results = @(foreach ($baseline in 'pci-dss', 'scg', 'stig') {
                Get-HostControlDrift -Inventory $inv -Baseline $baseline -IncludePass -WarningAction SilentlyContinue
                Get-NetworkControlDrift -Inventory $inv -Baseline $baseline -IncludePass
                Get-VmControlDrift -Inventory $inv -Baseline $baseline -IncludePass
                Get-VCenterControlDrift -Inventory $inv -Baseline $baseline -IncludePass
            }
            Get-HostControlDrift -Inventory $inv -Peer -IncludePass -WarningAction SilentlyContinue)
        function Test-Whole($objects, [string] $id) {
            $text = $objects | Format-Table | Out-String -Width 120
            ($text -split "`n" | Where-Object { $_.TrimEnd().Length -gt 120 }) | Should -BeNullOrEmpty
            $text | Should -Match "(?m)(^|\s)$([regex]::Escape($id))(\s|$)" -Because "the id $id is shown whole"
        }
    }

    It 'shows the longest <_> ControlId of the sample whole' -ForEach 'HostControlDrift', 'NetworkControlDrift', 'VmControlDrift', 'VCenterControlDrift' {
        $typeName = $_
        $ofType = @($results | Where-Object { $_.GetType().Name -eq $typeName })
        $ofType.Count | Should -BeGreaterThan 0
        $longest = $ofType | Sort-Object { $_.ControlId.Length } -Descending | Select-Object -First 1
        $longest.ControlId.Length | Should -BeGreaterThan 30
        Test-Whole $longest $longest.ControlId
    }

    It 'shows the longest catalog id whole in Get-ComplianceControl' {
        $longest = Get-ComplianceControl | Sort-Object { $_.Id.Length } -Descending | Select-Object -First 1
        Test-Whole $longest $longest.Id
    }

    It 'shows the longest separation rule id whole' {
        $longest = Test-PciSeparation -Inventory $inv | Sort-Object { $_.RuleId.Length } -Descending | Select-Object -First 1
        Test-Whole $longest $longest.RuleId
    }

    It 'shows the names of the DRS groups and rule a fail-closed policy writes whole' {
        $placement = @(Invoke-VmFirewallPolicy -Policy (Join-Path $moduleFolder 'samples/pci-lab.policy.yaml') -Inventory $inv -WhatIf 6>$null |
            Where-Object { $_ -is [VirtCompliance.Firewall.ClusterPlacementChange] })
        $placement.Count | Should -BeGreaterThan 0
        $longest = $placement | Sort-Object { $_.Name.Length } -Descending | Select-Object -First 1
        Test-Whole $longest $longest.Name
    }

    It 'shows the longest control id a repair can name whole' {
        # A repair names a catalog control: the longest one the repair cmdlets can name, in the repair's own view.
        $longest = (Get-ComplianceControl | Sort-Object { $_.Id.Length } -Descending | Select-Object -First 1).Id
        $repair = [VirtCompliance.Repair.ControlRepair]@{ ObjectKind = 'DistributedPortgroup'; Object = 'dvpg-cde-db'; ControlId = $longest
            Before = 'true'; After = 'false'; Action = 'set the security policy'; Status = 'Planned' }
        Test-Whole $repair $longest
    }
}

Describe 'ConvertTo-Csv of the results' {
    BeforeAll {
        $samples = Join-Path $moduleFolder 'samples'
        $bundle = Join-Path $TestDrive 'csv-bundle'
        $null = Save-ComplianceEvidence -Inventory $inv -Path $bundle -WarningAction SilentlyContinue
        # One set of results per cmdlet that writes them, from the sample, waivers applied where they can be.
        $resultSets = [ordered]@{
            'Get-HostControlDrift'      = { Get-HostControlDrift -Inventory $inv -Peer -Waiver "$samples/pci-lab.waivers.yaml" -WarningAction SilentlyContinue }
            'Get-NetworkControlDrift'   = { Get-NetworkControlDrift -Inventory $inv }
            'Get-VmControlDrift'        = { Get-VmControlDrift -Inventory $inv }
            'Get-VCenterControlDrift'   = { Get-VCenterControlDrift -Inventory $inv }
            'Get-VmMigrationExposure'   = { Get-VmMigrationExposure -Inventory $inv -Peer -WarningAction SilentlyContinue }
            'Test-PciSeparation'        = { Test-PciSeparation -Inventory $inv -Waiver "$samples/pci-lab.waivers.yaml" -WarningAction SilentlyContinue }
            'Test-PciSeparation -Summary' = { Test-PciSeparation -Inventory $inv -Summary }
            'Get-PciScope'              = { Get-PciScope -Inventory $inv }
            'Get-PciSegmentationMatrix' = { Get-PciSegmentationMatrix -Inventory $inv; Get-PciSegmentationMatrix -Inventory $inv -Detailed }
            'Get-ComplianceControl'     = { Get-ComplianceControl }
            'Get-ComplianceWaiver'      = { Get-ComplianceWaiver -Path "$samples/pci-lab.waivers.yaml" -Inventory $inv }
            'Invoke-VmFirewallPolicy'   = { Invoke-VmFirewallPolicy -Policy "$samples/pci-lab.policy.yaml" -Inventory $inv -WhatIf 6>$null }
            'Test-VmFirewallPolicy'     = { Test-VmFirewallPolicy -Policy "$samples/pci-lab.policy.yaml" -Inventory $inv -PassThru -WarningAction SilentlyContinue }
            'Get-VmFirewallPolicy'      = { Get-VmFirewallPolicy -Inventory $inv }
            'Test-ComplianceEvidence'   = { Test-ComplianceEvidence -Path $bundle }
            'Save-ComplianceEvidence'   = { Save-ComplianceEvidence -Inventory $inv -Path (Join-Path $TestDrive 'csv-bundle-2') -WarningAction SilentlyContinue }
            'Compare-VirtInventory'     = {
                $json = Get-Content -Raw (Join-Path $samples 'pci-lab.json') | ConvertFrom-Json -AsHashtable
                ($json.hosts | Where-Object id -eq 'host-21').lockdownMode = 'lockdownDisabled'
                ($json.vms | Where-Object name -eq 'print-01').hostId = 'host-26'
                $json | ConvertTo-Json -Depth 20 | Set-Content (Join-Path $TestDrive 'csv-today.json')
                Compare-VirtInventory -Reference $inv -Difference (Import-VirtInventory (Join-Path $TestDrive 'csv-today.json')) }
            # A repair needs a live server; its record, with an ESXCLI undo step, is built here as the repair cmdlets build it.
            'Repair-HostControlDrift'   = {
                $arguments = [System.Collections.Generic.Dictionary[string, string]]::new()
                $arguments.Add('keyword', 'ciphers'); $arguments.Add('value', 'aes256-ctr')
                [VirtCompliance.Repair.ControlRepair]@{ Object = 'esx-pay-03.lab.local'; ObjectId = 'host-23'; ControlId = 'vc.ssh-ciphers'; Status = 'Planned'
                    Undo = [VirtCompliance.Repair.RepairStep]@{ Action = 'esxcli'; ControlId = 'vc.ssh-ciphers'; Target = 'system.ssh.server.config.set'; Arguments = $arguments } } }
        }
        # A type name where text should be: String[] or List`1[...] and the like.
        $typeName = 'System\.[\w.]+(\[\]|`\d)|VirtCompliance\.[\w.]+(\[\]|`\d)'
    }

    It 'writes readable text, not type names, for the results of <_>' -ForEach @(
        'Get-HostControlDrift', 'Get-NetworkControlDrift', 'Get-VmControlDrift', 'Get-VCenterControlDrift', 'Get-VmMigrationExposure', 'Test-PciSeparation',
        'Test-PciSeparation -Summary', 'Get-PciScope', 'Get-PciSegmentationMatrix', 'Get-ComplianceControl', 'Get-ComplianceWaiver', 'Invoke-VmFirewallPolicy',
        'Test-VmFirewallPolicy', 'Get-VmFirewallPolicy', 'Test-ComplianceEvidence', 'Save-ComplianceEvidence', 'Compare-VirtInventory', 'Repair-HostControlDrift') {
        $results = @(& $resultSets[$_])
        $results.Count | Should -BeGreaterThan 0
        foreach ($group in $results | Group-Object { $_.GetType().FullName }) {
            $csv = $group.Group | ConvertTo-Csv
            ($csv -join "`n") | Should -Not -Match $typeName -Because "$($group.Name) should read as text in CSV"
            # Each list a line of its own items: the CSV cell is the items, in order, joined by "; ".
            $rows = @($csv | ConvertFrom-Csv)
            for ($i = 0; $i -lt $group.Count; $i++) {
                foreach ($property in $group.Group[$i].psobject.Properties) {
                    $value = $property.Value
                    if ($value -is [string] -or $value -isnot [System.Collections.IEnumerable]) { continue }
                    $expected = if ($value -is [System.Collections.IDictionary]) { @($value.GetEnumerator() | ForEach-Object { "$($_.Key)=$($_.Value)" }) -join '; ' }
                                else { @($value | ForEach-Object { "$_" }) -join '; ' }
                    "$($rows[$i].($property.Name))" | Should -BeExactly $expected -Because "$($group.Name).$($property.Name) is a list"
                }
            }
        }
    }

    It 'writes the PCI DSS requirements of a host result as "2.2.4; 10.2.1" would read' {
        $time = Get-HostControlDrift -Inventory $inv -ControlId esx-9.time -IncludePass | Select-Object -First 1
        @($time.PciDss).Count | Should -BeGreaterThan 1
        ($time | ConvertTo-Csv | ConvertFrom-Csv).PciDss | Should -BeExactly ($time.PciDss -join '; ')
        ($time | ConvertTo-Csv | ConvertFrom-Csv).PciDss | Should -Match '^\d+(\.\d+)+(; \d+(\.\d+)+)+$'
    }

    It 'keeps the lists lists: indexing, counting, -contains and JSON arrays work as before' {
        $finding = Test-PciSeparation -Inventory $inv | Where-Object RuleId -eq pci.mixed-scope-host | Select-Object -First 1
        $finding.Vms.Count | Should -BeGreaterThan 1
        $finding.Vms[0] | Should -Be @($finding.Vms)[0]
        $finding.Vms -contains $finding.Vms[0] | Should -BeTrue
        ($finding | ConvertTo-Json -Depth 3 | ConvertFrom-Json).Vms | Should -Be @($finding.Vms)
        Get-ComplianceControl -Baseline pci-dss | Where-Object PciDss -contains '10.3.3' | Should -Not -BeNullOrEmpty
    }
}
