// The add-in only XML manifest (OfficeApp, xsi:type MailApp) from the source. VersionOverrides V1_0
// carries the ribbon buttons for clients that know no more; the V1_1 inside it adds what needs it:
// the pinnable read pane (SupportsPinning), the commands runtime with its JavaScript-only override
// for classic Outlook on Windows, and the OnMessageSend launch event with its SendMode.
import { CONTROL_ICON_SIZES, url, type AddinSource, type ComposeToggle, type PaneButton } from "./source.js";

const NS = {
  app: "http://schemas.microsoft.com/office/appforoffice/1.1",
  xsi: "http://www.w3.org/2001/XMLSchema-instance",
  bt: "http://schemas.microsoft.com/office/officeappbasictypes/1.0",
  mailappor: "http://schemas.microsoft.com/office/mailappversionoverrides/1.0",
  vo10: "http://schemas.microsoft.com/office/mailappversionoverrides",
  vo11: "http://schemas.microsoft.com/office/mailappversionoverrides/1.1",
};

function escape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** Resource ids (bt:Image, bt:Url, bt:String ids are at most 32 characters). */
const RES = {
  icon: (size: number) => `Icon.${size}`,
  commandsUrl: "Commands.Url",
  commandsJs: "CommandsJs.Url",
  groupLabel: "Group.Label",
  label: (id: string) => `${id}.Label`,
  tip: (id: string) => `${id}.Tip`,
  page: (id: string) => `${id}.Url`,
};

function icons(indent: string): string {
  return [
    `${indent}<Icon>`,
    ...CONTROL_ICON_SIZES.map((size) => `${indent}  <bt:Image size="${size}" resid="${RES.icon(size)}"/>`),
    `${indent}</Icon>`,
  ].join("\n");
}

function control(indent: string, id: string, action: string): string {
  return [
    `${indent}<Control xsi:type="Button" id="${id}">`,
    `${indent}  <Label resid="${RES.label(id)}"/>`,
    `${indent}  <Supertip>`,
    `${indent}    <Title resid="${RES.label(id)}"/>`,
    `${indent}    <Description resid="${RES.tip(id)}"/>`,
    `${indent}  </Supertip>`,
    icons(`${indent}  `),
    action,
    `${indent}</Control>`,
  ].join("\n");
}

function toggle(indent: string, t: ComposeToggle): string {
  return control(
    indent,
    t.id,
    `${indent}  <Action xsi:type="ExecuteFunction">\n${indent}    <FunctionName>${t.functionName}</FunctionName>\n${indent}  </Action>`,
  );
}

function pane(indent: string, p: PaneButton, pinning: boolean): string {
  const lines = [
    `${indent}  <Action xsi:type="ShowTaskpane">`,
    `${indent}    <SourceLocation resid="${RES.page(p.id)}"/>`,
  ];
  // SupportsPinning is a V1_1 element: the V1_0 ribbon has the same button without it.
  if (pinning && p.pinnable) lines.push(`${indent}    <SupportsPinning>true</SupportsPinning>`);
  lines.push(`${indent}  </Action>`);
  return control(indent, p.id, lines.join("\n"));
}

function surfaces(s: AddinSource, indent: string, v11: boolean): string {
  const i = indent;
  return [
    `${i}<ExtensionPoint xsi:type="MessageComposeCommandSurface">`,
    `${i}  <OfficeTab id="TabDefault">`,
    `${i}    <Group id="msgComposeGroup">`,
    `${i}      <Label resid="${RES.groupLabel}"/>`,
    toggle(`${i}      `, s.compose.encrypt),
    toggle(`${i}      `, s.compose.sign),
    pane(`${i}      `, s.compose.sendSecurely, v11),
    `${i}    </Group>`,
    `${i}  </OfficeTab>`,
    `${i}</ExtensionPoint>`,
    `${i}<ExtensionPoint xsi:type="MessageReadCommandSurface">`,
    `${i}  <OfficeTab id="TabDefault">`,
    `${i}    <Group id="msgReadGroup">`,
    `${i}      <Label resid="${RES.groupLabel}"/>`,
    pane(`${i}      `, s.read.pane, v11),
    `${i}    </Group>`,
    `${i}  </OfficeTab>`,
    `${i}</ExtensionPoint>`,
  ].join("\n");
}

function resources(s: AddinSource, indent: string): string {
  const i = indent;
  const panes = [s.compose.sendSecurely, s.read.pane];
  const buttons: { id: string; label: string; tooltip: string }[] = [s.compose.encrypt, s.compose.sign, ...panes];
  return [
    `${i}<Resources>`,
    `${i}  <bt:Images>`,
    ...CONTROL_ICON_SIZES.map(
      (size) => `${i}    <bt:Image id="${RES.icon(size)}" DefaultValue="${escape(url(s, s.controlIcons[size]!))}"/>`,
    ),
    `${i}  </bt:Images>`,
    `${i}  <bt:Urls>`,
    `${i}    <bt:Url id="${RES.commandsUrl}" DefaultValue="${escape(url(s, s.commandsPage))}"/>`,
    `${i}    <bt:Url id="${RES.commandsJs}" DefaultValue="${escape(url(s, s.commandsScript))}"/>`,
    ...panes.map((p) => `${i}    <bt:Url id="${RES.page(p.id)}" DefaultValue="${escape(url(s, p.page))}"/>`),
    `${i}  </bt:Urls>`,
    `${i}  <bt:ShortStrings>`,
    `${i}    <bt:String id="${RES.groupLabel}" DefaultValue="${escape(s.compose.group)}"/>`,
    ...buttons.map((b) => `${i}    <bt:String id="${RES.label(b.id)}" DefaultValue="${escape(b.label)}"/>`),
    `${i}  </bt:ShortStrings>`,
    `${i}  <bt:LongStrings>`,
    ...buttons.map((b) => `${i}    <bt:String id="${RES.tip(b.id)}" DefaultValue="${escape(b.tooltip)}"/>`),
    `${i}  </bt:LongStrings>`,
    `${i}</Resources>`,
  ].join("\n");
}

export function xmlManifest(s: AddinSource): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<OfficeApp xmlns="${NS.app}" xmlns:xsi="${NS.xsi}" xmlns:bt="${NS.bt}" xmlns:mailappor="${NS.mailappor}" xsi:type="MailApp">
  <Id>${s.id}</Id>
  <Version>${s.version}</Version>
  <ProviderName>${escape(s.provider)}</ProviderName>
  <DefaultLocale>en-US</DefaultLocale>
  <DisplayName DefaultValue="${escape(s.name)}"/>
  <Description DefaultValue="${escape(s.description)}"/>
  <IconUrl DefaultValue="${escape(url(s, s.rootIcons[64]))}"/>
  <HighResolutionIconUrl DefaultValue="${escape(url(s, s.rootIcons[128]))}"/>
  <SupportUrl DefaultValue="${escape(url(s, s.supportPath))}"/>
  <AppDomains>
    <AppDomain>${escape(new URL(s.baseUrl).origin)}</AppDomain>
  </AppDomains>
  <Hosts>
    <Host Name="Mailbox"/>
  </Hosts>
  <Requirements>
    <Sets>
      <Set Name="Mailbox" MinVersion="1.3"/>
    </Sets>
  </Requirements>
  <FormSettings>
    <Form xsi:type="ItemRead">
      <DesktopSettings>
        <SourceLocation DefaultValue="${escape(url(s, s.read.pane.page))}"/>
        <RequestedHeight>250</RequestedHeight>
      </DesktopSettings>
    </Form>
  </FormSettings>
  <Permissions>ReadWriteItem</Permissions>
  <Rule xsi:type="RuleCollection" Mode="Or">
    <Rule xsi:type="ItemIs" ItemType="Message" FormType="Edit"/>
    <Rule xsi:type="ItemIs" ItemType="Message" FormType="Read"/>
  </Rule>
  <DisableEntityHighlighting>false</DisableEntityHighlighting>
  <VersionOverrides xmlns="${NS.vo10}" xsi:type="VersionOverridesV1_0">
    <Requirements>
      <bt:Sets DefaultMinVersion="1.3">
        <bt:Set Name="Mailbox"/>
      </bt:Sets>
    </Requirements>
    <Hosts>
      <Host xsi:type="MailHost">
        <DesktopFormFactor>
          <FunctionFile resid="${RES.commandsUrl}"/>
${surfaces(s, "          ", false)}
        </DesktopFormFactor>
      </Host>
    </Hosts>
${resources(s, "    ")}
    <VersionOverrides xmlns="${NS.vo11}" xsi:type="VersionOverridesV1_1">
      <Requirements>
        <bt:Sets DefaultMinVersion="${s.minMailbox}">
          <bt:Set Name="Mailbox"/>
        </bt:Sets>
      </Requirements>
      <Hosts>
        <Host xsi:type="MailHost">
          <Runtimes>
            <!-- A browser runtime (new Outlook, the web, Mac) loads the page; classic Outlook on
                 Windows runs the same code as one JavaScript file. -->
            <Runtime resid="${RES.commandsUrl}">
              <Override type="javascript" resid="${RES.commandsJs}"/>
            </Runtime>
          </Runtimes>
          <DesktopFormFactor>
            <FunctionFile resid="${RES.commandsUrl}"/>
${surfaces(s, "            ", true)}
            <ExtensionPoint xsi:type="LaunchEvent">
              <LaunchEvents>
                <LaunchEvent Type="OnMessageSend" FunctionName="${s.onSend.functionName}" SendMode="${s.onSend.sendMode}"/>
              </LaunchEvents>
              <SourceLocation resid="${RES.commandsUrl}"/>
            </ExtensionPoint>
          </DesktopFormFactor>
        </Host>
      </Hosts>
${resources(s, "      ")}
    </VersionOverrides>
  </VersionOverrides>
</OfficeApp>
`;
}
