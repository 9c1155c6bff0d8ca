; PeerDesk for Windows: a per-machine installer (Inno Setup 6.3 or later).
;
; Built by .github/workflows/windows-installer.yml from the one-folder build in dist\PeerDesk:
;   iscc /DAppVersion=0.1.0 installers\windows\peerdesk.iss
; which writes dist\PeerDesk-0.1.0-setup.exe.
;
; Silent install for trust IT (see docs/deployment.md):
;   PeerDesk-0.1.0-setup.exe /VERYSILENT /SUPPRESSMSGBOXES /NORESTART
;       /POLICY="\\trust-fs01\it$\peerdesk\policy.json" /LOG="C:\Windows\Temp\peerdesk-setup.log"
;   /POLICY=path   copy that file to %ProgramData%\PeerDesk\policy.json (after checking it)
;   /TASKS=desktopicon   also put an icon on the public desktop
; Exit codes: 0 installed; 1 setup stopped before changing anything (e.g. /POLICY file missing);
; 5 cancelled or failed; 8 installed, but the /POLICY file was refused (see the log), so the
; policy already on the machine, if any, was left in place.
;
; Upgrade: run a newer setup the same way. Same AppId, same folder, replaced in place; users'
; data folders (%LOCALAPPDATA%\PeerDesk) are never touched by setup or by uninstall.

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif
#ifndef SourceDir
  #define SourceDir "..\..\dist\PeerDesk"
#endif
#define IconFile "..\..\build\icons\peerdesk.ico"
#define PolicyRefused 8

[Setup]
; Never change the AppId: it is how an upgrade finds the installed copy.
AppId={{3C0F5E57-8F2B-4C53-9B9E-5D0E7A4C6B21}
AppName=PeerDesk
AppVersion={#AppVersion}
AppVerName=PeerDesk {#AppVersion}
AppPublisher=PeerDesk
AppComments=Encrypted session diaries, boundary reflections and person-owned plans for peer support workers
VersionInfoVersion={#AppVersion}
VersionInfoProductName=PeerDesk
DefaultDirName={autopf}\PeerDesk
DefaultGroupName=PeerDesk
DisableProgramGroupPage=yes
DisableReadyPage=no
UsePreviousAppDir=yes
; Per machine only: shared ward PCs, installed by IT.
PrivilegesRequired=admin
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir=..\..\dist
OutputBaseFilename=PeerDesk-{#AppVersion}-setup
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
SetupLogging=yes
#if FileExists(AddBackslash(SourcePath) + IconFile)
SetupIconFile={#IconFile}
#endif
UninstallDisplayIcon={app}\PeerDesk.exe
UninstallDisplayName=PeerDesk
; An open PeerDesk is asked to close (it saves drafts and locks, as when a user closes it).
CloseApplications=yes
CloseApplicationsFilter=PeerDesk.exe,peerdesk-cli.exe
RestartApplications=no

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "Put a PeerDesk icon on the desktop for everyone"; Flags: unchecked

[InstallDelete]
; Upgrade in place without leftovers of the old version's libraries.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs
Source: "..\policy.example.json"; DestDir: "{app}"; Flags: ignoreversion
Source: "..\policy.schema.json"; DestDir: "{app}"; Flags: ignoreversion

[Dirs]
; The policy folder; its permissions are set in code below (users may only read it).
Name: "{commonappdata}\PeerDesk"; Flags: uninsneveruninstall

[Icons]
Name: "{autoprograms}\PeerDesk"; Filename: "{app}\PeerDesk.exe"; Comment: "Peer support records"
Name: "{autodesktop}\PeerDesk"; Filename: "{app}\PeerDesk.exe"; Tasks: desktopicon

[Code]
var
  PolicyWasRefused: Boolean;

function PolicySource(): String;
begin
  Result := ExpandConstant('{param:POLICY|}');
end;

function PolicyTarget(): String;
begin
  Result := ExpandConstant('{commonappdata}\PeerDesk\policy.json');
end;

function InitializeSetup(): Boolean;
begin
  Result := True;
  PolicyWasRefused := False;
  if (PolicySource() <> '') and not FileExists(PolicySource()) then
  begin
    Log('PeerDesk policy: cannot read ' + PolicySource() + '; nothing was installed.');
    SuppressibleMsgBox('The policy file ' + PolicySource() + ' cannot be found, so PeerDesk ' +
      'was not installed.', mbError, MB_OK, IDOK);
    Result := False;  { setup exits with code 1, before changing anything }
  end;
end;

procedure RunHidden(const FileName, Params: String; var Code: Integer);
begin
  if not Exec(FileName, Params, '', SW_HIDE, ewWaitUntilTerminated, Code) then
    Code := -1;
end;

procedure LockDownPolicyFolder();
var
  Code: Integer;
begin
  { Users may read the policy but never write it: otherwise, on a machine with no policy yet,
    anyone could create one (ProgramData lets users create files). Well-known SIDs, so it
    works in every Windows language: SYSTEM, Administrators, Users. }
  RunHidden(ExpandConstant('{sys}\icacls.exe'),
    '"' + ExpandConstant('{commonappdata}\PeerDesk') + '" /inheritance:r ' +
    '/grant:r *S-1-5-18:(OI)(CI)F *S-1-5-32-544:(OI)(CI)F *S-1-5-32-545:(OI)(CI)RX', Code);
  Log(Format('PeerDesk policy folder permissions set (icacls exit code %d).', [Code]));
end;

procedure PlacePolicy();
var
  Code: Integer;
  Report: String;
  Lines: TArrayOfString;
  I: Integer;
begin
  { Check with the program just installed, so the rules are exactly the ones it will apply. }
  Report := ExpandConstant('{tmp}\policy-check.txt');
  RunHidden(ExpandConstant('{cmd}'), '/C ""' + ExpandConstant('{app}\peerdesk-cli.exe') +
    '" --check-policy "' + PolicySource() + '" > "' + Report + '" 2>&1"', Code);
  if LoadStringsFromFile(Report, Lines) then
    for I := 0 to GetArrayLength(Lines) - 1 do
      Log('PeerDesk policy check: ' + Lines[I]);
  if Code <> 0 then
  begin
    PolicyWasRefused := True;
    Log(Format('PeerDesk policy: %s was refused (exit code %d) and not placed.',
      [PolicySource(), Code]));
    SuppressibleMsgBox('PeerDesk was installed, but the policy file ' + PolicySource() +
      ' was refused, so it was not used. The setup log says why.', mbError, MB_OK, IDOK);
    Exit;
  end;
  if FileCopy(PolicySource(), PolicyTarget(), False) then
    Log('PeerDesk policy: ' + PolicySource() + ' placed at ' + PolicyTarget())
  else
  begin
    PolicyWasRefused := True;
    Log('PeerDesk policy: could not copy ' + PolicySource() + ' to ' + PolicyTarget());
  end;
end;

procedure CurStepChanged(CurStep: TSetupStep);
begin
  if CurStep = ssPostInstall then
  begin
    LockDownPolicyFolder();
    if PolicySource() <> '' then
      PlacePolicy();
  end;
end;

function GetCustomSetupExitCode(): Integer;
begin
  if PolicyWasRefused then
    Result := {#PolicyRefused}
  else
    Result := 0;
end;
