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

    It 'shows the longest control id a repair can name whole' {
        # A repair names a catalog control: the longest one the repair cmdlets can name, in the repair's own view.
        $longest = (Get-ComplianceControl | Sort-Object { $_.Id.Length } -Descending | Select-Object -First 1).Id
        $repair = [VirtCompliance.Repair.ControlRepair]@{ ObjectKind = 'DistributedPortgroup'; Object = 'dvpg-cde-db'; ControlId = $longest
            Before = 'true'; After = 'false'; Action = 'set the security policy'; Status = 'Planned' }
        Test-Whole $repair $longest
    }
}
