<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US" sourcelanguage="zh_CN">
<context>
    <name>AlarmDetailPane</name>
    <message>
        <location filename="../../desktop/alarm_map.py" line="87"/>
        <source>点击地图上的告警查看详情</source>
        <extracomment>The states the state menu offers, and which of them are on when the window opens (shelved ones are off, as in the queue: they were put aside on purpose).</extracomment>
        <translation>Click an alarm on the map for its details</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_map.py" line="95"/>
        <source>确认 (A)</source>
        <translation>Acknowledge (A)</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_map.py" line="96"/>
        <source>搁置… (S)</source>
        <translation>Shelve… (S)</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_map.py" line="97"/>
        <source>取消搁置 (U)</source>
        <translation>Unshelve (U)</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_map.py" line="98"/>
        <source>转案件 (C)</source>
        <translation>Convert to case (C)</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_map.py" line="120"/>
        <source>（已关闭）</source>
        <translation>(closed)</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_map.py" line="131"/>
        <source>状态：</source>
        <translation>State: </translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_map.py" line="132"/>
        <source>设备：</source>
        <translation>Device: </translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_map.py" line="133"/>
        <source>区县：</source>
        <translation>District: </translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_map.py" line="134"/>
        <source>读数：</source>
        <translation>Reading: </translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_map.py" line="135"/>
        <source>首次告警：%1（%2）· ×%3</source>
        <translation>First raised: %1 (%2) · ×%3</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_map.py" line="142"/>
        <source>已转案件：</source>
        <translation>Converted to case: </translation>
    </message>
</context>
<context>
    <name>AlarmIntents</name>
    <message>
        <location filename="../../desktop/alarm_intents.py" line="145"/>
        <source>已提交转案件，案件编号 %1</source>
        <extracomment>Who acts here (the session&apos;s user): the optimistic rows are made in their name.</extracomment>
        <translation>Sent for conversion: case %1</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_intents.py" line="157"/>
        <source>确认告警</source>
        <translation>Acknowledge alarm</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_intents.py" line="158"/>
        <source>搁置告警</source>
        <translation>Shelve alarm</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_intents.py" line="159"/>
        <source>取消搁置</source>
        <translation>Unshelve</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_intents.py" line="160"/>
        <source>转案件</source>
        <translation>Convert to case</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_intents.py" line="163"/>
        <source>%1未成功：%2</source>
        <translation>%1 failed: %2</translation>
    </message>
</context>
<context>
    <name>AlarmMapFeed</name>
    <message>
        <location filename="../../desktop/alarm_map_feed.py" line="215"/>
        <source>图例</source>
        <extracomment>Following new critical alarms, the map stays at least this long on one (seconds): in a storm a map that jumps with every new alarm cannot be read.</extracomment>
        <translation>Legend</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_map_feed.py" line="218"/>
        <source>燃气</source>
        <translation>Gas</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_map_feed.py" line="219"/>
        <source>供排水、积水</source>
        <translation>Water supply, drainage, flooding</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_map_feed.py" line="220"/>
        <source>地下空间、井盖</source>
        <translation>Underground, manhole covers</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_map_feed.py" line="221"/>
        <source>桥梁</source>
        <translation>Bridges</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_map_feed.py" line="222"/>
        <source>设备离线</source>
        <translation>Device offline</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_map_feed.py" line="224"/>
        <source>已确认（淡色）</source>
        <translation>Acknowledged (faded)</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_map_feed.py" line="225"/>
        <source>已搁置</source>
        <translation>Shelved</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_map_feed.py" line="226"/>
        <source>案件（紫圈）</source>
        <translation>Cases (purple ring)</translation>
    </message>
</context>
<context>
    <name>AlarmMapPresenter</name>
    <message>
        <location filename="../../desktop/alarm_map_presenter.py" line="252"/>
        <source>案件 · %1</source>
        <extracomment>How often the pop-up&apos;s sound repeats while a critical alarm waits for acknowledgement.</extracomment>
        <translation>Case · %1</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_map_presenter.py" line="259"/>
        <source>编号：</source>
        <translation>Id: </translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_map_presenter.py" line="292"/>
        <source>已导出 %1 条告警到 %2</source>
        <translation>Exported %1 alarms to %2</translation>
    </message>
</context>
<context>
    <name>AlarmMapWindow</name>
    <message>
        <location filename="../../desktop/alarm_map.py" line="246"/>
        <source>告警地图 — 城市运行管理服务平台</source>
        <translation>Alarm map — City Operations Command Hall</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_map.py" line="278"/>
        <source>类型</source>
        <translation>Kind</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_map.py" line="281"/>
        <source>状态</source>
        <translation>State</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_map.py" line="288"/>
        <source>全部区县</source>
        <translation>All districts</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_map.py" line="294"/>
        <source>案件图层</source>
        <translation>Cases layer</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_map.py" line="295"/>
        <source>热力图</source>
        <translation>Heat map</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_map.py" line="296"/>
        <source>跟随新紧急告警</source>
        <translation>Follow new critical alarms</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_map.py" line="303"/>
        <location filename="../../desktop/alarm_map.py" line="333"/>
        <source>导出地图…</source>
        <translation>Export map…</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_map.py" line="329"/>
        <source>在地图上查看</source>
        <translation>Show on the map</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_map.py" line="332"/>
        <source>文件(&amp;F)</source>
        <translation>&amp;File</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_map.py" line="338"/>
        <source>告警(&amp;A)</source>
        <translation>&amp;Alarm</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_map.py" line="341"/>
        <source>确认</source>
        <translation>Acknowledge</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_map.py" line="342"/>
        <source>搁置…</source>
        <translation>Shelve…</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_map.py" line="343"/>
        <source>取消搁置</source>
        <translation>Unshelve</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_map.py" line="344"/>
        <source>转案件</source>
        <translation>Convert to case</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_map.py" line="351"/>
        <source>视图(&amp;V)</source>
        <translation>&amp;View</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_map.py" line="363"/>
        <source>窗口(&amp;W)</source>
        <translation>&amp;Window</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_map.py" line="364"/>
        <source>设置(&amp;S)</source>
        <translation>&amp;Settings</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_map.py" line="387"/>
        <source>地图显示 %1 条 / 共 %2 条告警</source>
        <translation>Map shows %1 of %2 alarms</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_map.py" line="390"/>
        <source>%1 条无位置（仅在列表中）</source>
        <translation>%1 without a position (in the list only)</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_map.py" line="402"/>
        <source>导出地图</source>
        <translation>Export map</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_map.py" line="402"/>
        <source>网页 (*.html)</source>
        <translation>Web page (*.html)</translation>
    </message>
</context>
<context>
    <name>AlarmQueuePanel</name>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="107"/>
        <source>%1（%2）</source>
        <extracomment>Hall colours per severity (the wall and the map use the same four). States listed in the queue; shelved ones only behind the toggle. Closed and out-of-service alarms are not the dispatcher&apos;s to handle. How often the alert beeps while a critical alarm waits for its acknowledgement. Ages on the cards are minutes: a repaint twice a minute keeps them right.</extracomment>
        <translation>%1 (%2)</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="138"/>
        <source>刚刚</source>
        <translation>just now</translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop/alarm_panel.py" line="142"/>
        <source>%n 分钟前</source>
        <translation>
            <numerusform>%n min ago</numerusform>
            <numerusform>%n min ago</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop/alarm_panel.py" line="145"/>
        <source>%n 小时前</source>
        <translation>
            <numerusform>%n hour ago</numerusform>
            <numerusform>%n hours ago</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop/alarm_panel.py" line="147"/>
        <source>%n 天前</source>
        <translation>
            <numerusform>%n day ago</numerusform>
            <numerusform>%n days ago</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="204"/>
        <source>阈值</source>
        <translation>threshold</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="247"/>
        <source>状态：</source>
        <translation>State: </translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="251"/>
        <source>搁置原因：</source>
        <translation>Shelve reason: </translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="254"/>
        <source>已转案件：</source>
        <translation>Converted to case: </translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="408"/>
        <source>已转案件</source>
        <translation>→ case</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="416"/>
        <source>搁置至 </source>
        <translation>Shelved until </translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="419"/>
        <source>已恢复 · </source>
        <translation>Cleared · </translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="422"/>
        <source>已恢复·未确认</source>
        <translation>Cleared · unacked</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="423"/>
        <source>未确认</source>
        <translation>Unacked</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="687"/>
        <source>未搁置的%1告警数</source>
        <extracomment>Panel-wide keys (they act while the focus is in the panel, which has no text field).</extracomment>
        <translation>%1 alarms not shelved</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="693"/>
        <source>切换显示已搁置的告警</source>
        <translation>Show or hide shelved alarms</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="704"/>
        <source>关闭提示</source>
        <translation>Dismiss</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="730"/>
        <source>确认 (A)</source>
        <translation>Acknowledge (A)</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="731"/>
        <source>确认所选告警（A 或 Ctrl+K）</source>
        <translation>Acknowledge the selected alarms (A or Ctrl+K)</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="732"/>
        <source>搁置… (S)</source>
        <translation>Shelve… (S)</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="733"/>
        <source>搁置所选告警一段时间，需填写原因（S）</source>
        <translation>Shelve the selected alarms for a while; a reason is required (S)</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="734"/>
        <source>取消搁置 (U)</source>
        <translation>Unshelve (U)</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="735"/>
        <source>让所选的已搁置告警重新显示（U）</source>
        <translation>Show the selected shelved alarms again (U)</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="736"/>
        <source>转案件 (C)</source>
        <translation>To case (C)</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="737"/>
        <source>把所选告警转为案件处理（C）</source>
        <translation>Convert the selected alarms into cases (C)</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="886"/>
        <source>没有已搁置的告警</source>
        <translation>No shelved alarms</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="886"/>
        <source>当前没有活动告警</source>
        <translation>No active alarms</translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop/alarm_panel.py" line="895"/>
        <source>返回活动告警 (%n)</source>
        <translation>
            <numerusform>Back to active (%n)</numerusform>
            <numerusform>Back to active (%n)</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop/alarm_panel.py" line="897"/>
        <source>已搁置 %n</source>
        <translation>
            <numerusform>Shelved %n</numerusform>
            <numerusform>Shelved %n</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>AlarmSummaryPanel</name>
    <message>
        <location filename="../../widgets/cockpit_panels.py" line="1219"/>
        <source>活跃告警分布</source>
        <translation>Active alarms by kind</translation>
    </message>
    <message>
        <location filename="../../widgets/cockpit_panels.py" line="1223"/>
        <source>告警类型</source>
        <translation>Alarm kind</translation>
    </message>
    <message>
        <location filename="../../widgets/cockpit_panels.py" line="1230"/>
        <source>合计</source>
        <translation>Total</translation>
    </message>
</context>
<context>
    <name>BoardPanel</name>
    <message>
        <location filename="../../widgets/cockpit_panels.py" line="1280"/>
        <source>红黑榜</source>
        <translation>Red/black board</translation>
    </message>
    <message>
        <location filename="../../widgets/cockpit_panels.py" line="1287"/>
        <source>排名</source>
        <translation>Rank</translation>
    </message>
    <message>
        <location filename="../../widgets/cockpit_panels.py" line="1288"/>
        <source>区县</source>
        <translation>District</translation>
    </message>
    <message>
        <location filename="../../widgets/cockpit_panels.py" line="1289"/>
        <source>得分</source>
        <translation>Score</translation>
    </message>
    <message>
        <location filename="../../widgets/cockpit_panels.py" line="1290"/>
        <source>变化</source>
        <translation>Change</translation>
    </message>
    <message>
        <location filename="../../widgets/cockpit_panels.py" line="1291"/>
        <source>榜单</source>
        <translation>List</translation>
    </message>
    <message>
        <location filename="../../widgets/cockpit_panels.py" line="1296"/>
        <source>本期排名尚未发布</source>
        <translation>This period&apos;s ranking is not published yet</translation>
    </message>
    <message>
        <location filename="../../widgets/cockpit_panels.py" line="1336"/>
        <source>红榜</source>
        <translation>Red list</translation>
    </message>
    <message>
        <location filename="../../widgets/cockpit_panels.py" line="1338"/>
        <source>黑榜</source>
        <translation>Black list</translation>
    </message>
</context>
<context>
    <name>CaseActions</name>
    <message>
        <location filename="../../desktop/case_actions.py" line="34"/>
        <source>核实</source>
        <extracomment>The domain&apos;s action names (``cs.RULES[...].label_zh``) marked for lupdate; the workstation&apos;s menu marks them in the same context, so one English text serves both.</extracomment>
        <translation>Verify</translation>
    </message>
    <message>
        <location filename="../../desktop/case_actions.py" line="35"/>
        <source>立案</source>
        <translation>File</translation>
    </message>
    <message>
        <location filename="../../desktop/case_actions.py" line="36"/>
        <source>派遣</source>
        <translation>Dispatch</translation>
    </message>
    <message>
        <location filename="../../desktop/case_actions.py" line="37"/>
        <source>签收</source>
        <translation>Accept</translation>
    </message>
    <message>
        <location filename="../../desktop/case_actions.py" line="38"/>
        <source>退回</source>
        <translation>Return</translation>
    </message>
    <message>
        <location filename="../../desktop/case_actions.py" line="39"/>
        <source>处置反馈</source>
        <translation>Report handled</translation>
    </message>
    <message>
        <location filename="../../desktop/case_actions.py" line="40"/>
        <source>核查通过</source>
        <translation>Pass check</translation>
    </message>
    <message>
        <location filename="../../desktop/case_actions.py" line="41"/>
        <source>核查不通过</source>
        <translation>Fail check</translation>
    </message>
    <message>
        <location filename="../../desktop/case_actions.py" line="42"/>
        <source>结案</source>
        <translation>Close</translation>
    </message>
    <message>
        <location filename="../../desktop/case_actions.py" line="43"/>
        <source>挂起</source>
        <translation>Suspend</translation>
    </message>
    <message>
        <location filename="../../desktop/case_actions.py" line="44"/>
        <source>恢复</source>
        <translation>Resume</translation>
    </message>
    <message>
        <location filename="../../desktop/case_actions.py" line="45"/>
        <source>升级督办</source>
        <translation>Escalate</translation>
    </message>
    <message>
        <location filename="../../desktop/case_actions.py" line="46"/>
        <source>不予立案</source>
        <translation>Mark invalid</translation>
    </message>
    <message>
        <location filename="../../desktop/case_actions.py" line="47"/>
        <source>标记重复</source>
        <translation>Mark duplicate</translation>
    </message>
    <message>
        <location filename="../../desktop/case_actions.py" line="48"/>
        <source>奖励审定</source>
        <translation>Decide reward</translation>
    </message>
    <message>
        <location filename="../../desktop/case_actions.py" line="49"/>
        <source>回访满意度</source>
        <translation>Satisfaction callback</translation>
    </message>
    <message>
        <location filename="../../desktop/case_actions.py" line="50"/>
        <source>添加备注</source>
        <translation>Add note</translation>
    </message>
    <message>
        <location filename="../../desktop/case_actions.py" line="164"/>
        <source>所选案件当前不能执行“%1”</source>
        <extracomment>What the user must give: &quot;unit&quot;, &quot;subcategory&quot;, &quot;reward&quot;, &quot;rating&quot;, &quot;reason:&lt;field&gt;&quot;, &quot;text:&lt;field&gt;&quot;, &quot;case:&lt;field&gt;&quot; (another case&apos;s id) or &quot;&quot; (nothing).</extracomment>
        <translation>“%1” is not possible for the selected cases now</translation>
    </message>
    <message>
        <location filename="../../desktop/case_actions.py" line="193"/>
        <source>；</source>
        <translation>; </translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop/case_actions.py" line="195"/>
        <source>“%1”已提交 %n 件</source>
        <translation>
            <numerusform>“%1” sent for %n case</numerusform>
            <numerusform>“%1” sent for %n cases</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../desktop/case_actions.py" line="220"/>
        <source>原案件编号</source>
        <translation>Number of the original case</translation>
    </message>
    <message>
        <location filename="../../desktop/case_actions.py" line="220"/>
        <source>内容</source>
        <translation>Note</translation>
    </message>
    <message>
        <location filename="../../desktop/case_actions.py" line="264"/>
        <source>请填写原因</source>
        <translation>Please give a reason</translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop/case_actions.py" line="272"/>
        <source>确定对 %n 件案件执行“%1”？此操作不可撤销。</source>
        <translation>
            <numerusform>Apply “%1” to %n case? This cannot be undone.</numerusform>
            <numerusform>Apply “%1” to %n cases? This cannot be undone.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>CaseClocks</name>
    <message>
        <location filename="../../desktop/case_detail.py" line="116"/>
        <source>签收</source>
        <translation>Accept</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="117"/>
        <source>响应</source>
        <translation>Respond</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="118"/>
        <source>到场</source>
        <translation>Arrive</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="119"/>
        <source>处置</source>
        <translation>Resolve</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="123"/>
        <source>未开始</source>
        <translation>Not started</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="124"/>
        <source>计时中</source>
        <translation>Running</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="125"/>
        <source>已暂停</source>
        <translation>Paused</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="126"/>
        <source>按时完成</source>
        <translation>Met</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="127"/>
        <source>已超时</source>
        <translation>Overdue</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="128"/>
        <source>超时完成</source>
        <translation>Met late</translation>
    </message>
</context>
<context>
    <name>CaseDetailPanel</name>
    <message numerus="yes">
        <location filename="../../desktop/case_detail.py" line="253"/>
        <source>%n 个工作日</source>
        <extracomment>A running clock with less than this share of its limit left is shown in amber.</extracomment>
        <translation>
            <numerusform>%n working day</numerusform>
            <numerusform>%n working days</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop/case_detail.py" line="255"/>
        <source>%n 工作小时</source>
        <translation>
            <numerusform>%n working hour</numerusform>
            <numerusform>%n working hours</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="256"/>
        <source>%1 工作分钟</source>
        <translation>%1 working min</translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop/case_detail.py" line="260"/>
        <source>%n 小时</source>
        <translation>
            <numerusform>%n hour</numerusform>
            <numerusform>%n hours</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="261"/>
        <source>%1 分钟</source>
        <translation>%1 min</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="416"/>
        <source>在左侧列表中选择一个案件查看详情</source>
        <translation>Select a case in the list to see its details</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="443"/>
        <source>基本信息</source>
        <translation>Details</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="449"/>
        <source>来源</source>
        <translation>Source</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="450"/>
        <source>上报人</source>
        <translation>Reported by</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="451"/>
        <source>上报时间</source>
        <translation>Reported at</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="452"/>
        <source>问题描述</source>
        <translation>Description</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="453"/>
        <location filename="../../desktop/case_detail.py" line="850"/>
        <source>地址</source>
        <translation>Address</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="454"/>
        <source>所在区域</source>
        <translation>Area</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="455"/>
        <source>问题小类</source>
        <translation>Subcategory</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="456"/>
        <source>处置单位</source>
        <translation>Handling unit</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="457"/>
        <source>督办级别</source>
        <translation>Escalation</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="458"/>
        <source>返工 / 退回</source>
        <translation>Rework / returns</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="459"/>
        <source>办结</source>
        <translation>Ended</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="460"/>
        <source>回访满意度</source>
        <translation>Satisfaction callback</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="465"/>
        <source>%1：</source>
        <translation>%1:</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="469"/>
        <source>处置时限</source>
        <translation>Deadlines</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="479"/>
        <source>位置</source>
        <translation>Location</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="486"/>
        <location filename="../../desktop/case_detail.py" line="760"/>
        <source>疑似重复</source>
        <translation>Possible duplicates</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="490"/>
        <source>处理过程</source>
        <translation>History</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="552"/>
        <source>%1（%2）</source>
        <translation>%1 (%2)</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="559"/>
        <source>案件 </source>
        <translation>Case </translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="569"/>
        <source>督办 %1 级</source>
        <translation>Escalated, level %1</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="582"/>
        <source>%1 元</source>
        <translation>%1 yuan</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="587"/>
        <source>（未填写）</source>
        <translation>(not given)</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="600"/>
        <source>（未立案）</source>
        <translation>(not filed)</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="607"/>
        <source>应急规范 %s</source>
        <translation>emergency rule %s</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="609"/>
        <source>（未派遣）</source>
        <translation>(not dispatched)</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="612"/>
        <source>%1 级</source>
        <translation>Level %1</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="612"/>
        <source>未升级</source>
        <translation>Not escalated</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="616"/>
        <source>返工 %1 次，退回 %2 次</source>
        <translation>Reworked %1×, returned %2×</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="624"/>
        <source>重复于 </source>
        <translation>duplicate of </translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="650"/>
        <source>待回访</source>
        <translation>Callback due</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="659"/>
        <source>立案后按问题小类计算时限</source>
        <translation>Deadlines start when the case is filed (by subcategory)</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="664"/>
        <source>环节</source>
        <translation>Stage</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="664"/>
        <source>时限</source>
        <translation>Limit</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="664"/>
        <source>截止时间</source>
        <translation>Due</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="664"/>
        <source>剩余 / 状态</source>
        <translation>Left / status</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="692"/>
        <source>至今</source>
        <translation>now</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="695"/>
        <source>挂起 </source>
        <translation>Suspended </translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="697"/>
        <source>：%1</source>
        <translation>: %1</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="707"/>
        <source>恢复后计算</source>
        <translation>Set when resumed</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="758"/>
        <source>疑似重复（%1）</source>
        <translation>Possible duplicates (%1)</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="764"/>
        <source>附近 %1 米内没有同类未结案件</source>
        <translation>No open case of this kind within %1 m</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="799"/>
        <source>标记重复</source>
        <translation>Mark duplicate</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="804"/>
        <source>将 %1 标记为 %2 的重复案件</source>
        <translation>Mark %1 as a duplicate of %2</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="813"/>
        <source>两案均已派遣或办结，不能再标记重复</source>
        <translation>Both cases are dispatched or ended: neither can be marked duplicate</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="823"/>
        <source>处置单位：</source>
        <translation>Unit: </translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="827"/>
        <source>问题小类：</source>
        <translation>Subcategory: </translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="829"/>
        <source>原因：</source>
        <translation>Reason: </translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="831"/>
        <source>备注：</source>
        <translation>Note: </translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="833"/>
        <source>处置反馈：</source>
        <translation>Feedback: </translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="835"/>
        <source>满意度：</source>
        <translation>Satisfaction:</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="837"/>
        <source>督办级别：%1 级</source>
        <translation>Escalation level: %1</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="839"/>
        <source>重复于：</source>
        <translation>Duplicate of: </translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="841"/>
        <source>恢复至：</source>
        <translation>Resumed to: </translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="843"/>
        <source>来源：</source>
        <translation>Source: </translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="846"/>
        <source>返工后重新签收</source>
        <translation>Accepted again after rework</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="849"/>
        <source>描述</source>
        <translation>description</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="851"/>
        <source>经度</source>
        <translation>longitude</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="852"/>
        <source>纬度</source>
        <translation>latitude</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="854"/>
        <source>、</source>
        <translation>, </translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="855"/>
        <source>修改：</source>
        <translation>Changed: </translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="857"/>
        <source>%1：%2</source>
        <translation>%1: %2</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="864"/>
        <source>（暂无记录）</source>
        <translation>(no history yet)</translation>
    </message>
</context>
<context>
    <name>CaseEvents</name>
    <message>
        <location filename="../../desktop/case_detail.py" line="92"/>
        <source>上报</source>
        <translation>Reported</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="93"/>
        <source>核实</source>
        <translation>Verified</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="94"/>
        <source>立案</source>
        <translation>Filed</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="95"/>
        <source>派遣</source>
        <translation>Dispatched</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="96"/>
        <source>签收</source>
        <translation>Accepted</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="97"/>
        <source>出动</source>
        <translation>Departed</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="98"/>
        <source>到场</source>
        <translation>Arrived</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="99"/>
        <source>退回</source>
        <translation>Returned</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="100"/>
        <source>处置反馈</source>
        <translation>Handled</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="101"/>
        <source>核查通过</source>
        <translation>Check passed</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="102"/>
        <source>核查不通过</source>
        <translation>Check failed</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="103"/>
        <source>结案</source>
        <translation>Closed</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="104"/>
        <source>挂起</source>
        <translation>Suspended</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="105"/>
        <source>恢复</source>
        <translation>Resumed</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="106"/>
        <source>升级督办</source>
        <translation>Escalated</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="107"/>
        <source>不予立案</source>
        <translation>Marked invalid</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="108"/>
        <source>标记重复</source>
        <translation>Marked duplicate</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="109"/>
        <source>奖励审定</source>
        <translation>Reward decided</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="110"/>
        <source>回访满意度</source>
        <translation>Satisfaction callback</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="111"/>
        <source>添加备注</source>
        <translation>Note added</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="112"/>
        <source>修改信息</source>
        <translation>Details changed</translation>
    </message>
</context>
<context>
    <name>CaseFilterBar</name>
    <message>
        <location filename="../../desktop/case_filters.py" line="50"/>
        <source>全部区县</source>
        <translation>All districts</translation>
    </message>
    <message>
        <location filename="../../desktop/case_filters.py" line="52"/>
        <location filename="../../desktop/case_filters.py" line="94"/>
        <source>全部街道</source>
        <translation>All streets</translation>
    </message>
    <message>
        <location filename="../../desktop/case_filters.py" line="54"/>
        <source>全部大类</source>
        <translation>All categories</translation>
    </message>
    <message>
        <location filename="../../desktop/case_filters.py" line="56"/>
        <location filename="../../desktop/case_filters.py" line="106"/>
        <source>全部小类</source>
        <translation>All subcategories</translation>
    </message>
    <message>
        <location filename="../../desktop/case_filters.py" line="58"/>
        <source>全部来源</source>
        <translation>All sources</translation>
    </message>
    <message>
        <location filename="../../desktop/case_filters.py" line="66"/>
        <source>全部时限</source>
        <translation>Any deadline</translation>
    </message>
    <message>
        <location filename="../../desktop/case_filters.py" line="68"/>
        <source>已超时</source>
        <translation>Overdue</translation>
    </message>
    <message>
        <location filename="../../desktop/case_filters.py" line="69"/>
        <source>1小时内到期</source>
        <translation>Due within 1 h</translation>
    </message>
    <message>
        <location filename="../../desktop/case_filters.py" line="70"/>
        <source>计时中</source>
        <translation>Running</translation>
    </message>
    <message>
        <location filename="../../desktop/case_filters.py" line="71"/>
        <source>未计时</source>
        <translation>No deadline</translation>
    </message>
    <message>
        <location filename="../../desktop/case_filters.py" line="75"/>
        <source>搜索编号、描述、地址 (Ctrl+F)</source>
        <translation>Search ID, description, address (Ctrl+F)</translation>
    </message>
    <message>
        <location filename="../../desktop/case_filters.py" line="77"/>
        <source>筛选</source>
        <translation>Filter</translation>
    </message>
</context>
<context>
    <name>CaseLabels</name>
    <message>
        <location filename="../../desktop/case_detail.py" line="66"/>
        <source>已上报</source>
        <extracomment>Two open cases of the same kind closer than this are listed as suspected duplicates. Translation contexts: states, sources, rewards and durations; timeline events; SLA clocks. (Separate contexts because one Chinese word is a state, an event and a clock stage: 签收 is &quot;Accepted&quot; in the timeline and &quot;Accept&quot; as a deadline.)</extracomment>
        <translation>Reported</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="67"/>
        <source>已核实</source>
        <translation>Verified</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="68"/>
        <source>已立案</source>
        <translation>Filed</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="69"/>
        <source>已派遣</source>
        <translation>Dispatched</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="70"/>
        <source>处置中</source>
        <translation>In progress</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="71"/>
        <source>已处置待核查</source>
        <translation>Handled, to check</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="72"/>
        <source>核查通过</source>
        <translation>Checked</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="73"/>
        <source>已结案</source>
        <translation>Closed</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="74"/>
        <source>已退回待重派</source>
        <translation>Returned, to redispatch</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="75"/>
        <source>返工</source>
        <translation>Rework</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="76"/>
        <source>挂起</source>
        <translation>Suspended</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="77"/>
        <source>不予立案</source>
        <translation>Invalid</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="78"/>
        <source>重复案件</source>
        <translation>Duplicate</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="82"/>
        <source>巡查发现</source>
        <translation>Patrol</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="83"/>
        <source>上级交办</source>
        <translation>Referral</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="84"/>
        <source>媒体曝光</source>
        <translation>Media</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="85"/>
        <source>12319 热线</source>
        <translation>12319 hotline</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="86"/>
        <source>公众 App</source>
        <translation>Public app</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="87"/>
        <source>有奖举报</source>
        <translation>Reward report</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="88"/>
        <source>物联感知</source>
        <translation>IoT</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="132"/>
        <source>未申请奖励</source>
        <translation>no reward claimed</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="133"/>
        <source>奖励待审核</source>
        <translation>reward under review</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="134"/>
        <source>奖励已核准</source>
        <translation>reward approved</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="135"/>
        <source>奖励已发放</source>
        <translation>reward paid</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="136"/>
        <source>奖励未通过</source>
        <translation>reward refused</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="144"/>
        <source>满意</source>
        <extracomment>Sources whose reporter the hotline calls back (``CaseSource.public``). The hotline callback&apos;s answers by score (``cases.SATISFACTION_ANSWERS``).</extracomment>
        <translation>Satisfied</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="145"/>
        <source>基本满意</source>
        <translation>Fairly satisfied</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="146"/>
        <source>不满意</source>
        <translation>Dissatisfied</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="152"/>
        <source>%1 分</source>
        <translation>%1 points</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="156"/>
        <source>%1（%2）</source>
        <translation>%1 (%2)</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="269"/>
        <source>（工作时间）</source>
        <translation> (working time)</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="273"/>
        <source>未开始计时</source>
        <translation>Not started</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="277"/>
        <source>剩余 %1</source>
        <translation>%1 left</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="281"/>
        <source>超时 %1</source>
        <translation>Overdue %1</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="286"/>
        <source>暂停（已超时 %1）</source>
        <translation>Paused (overdue %1)</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="288"/>
        <source>暂停，剩余 %1</source>
        <translation>Paused, %1 left</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="290"/>
        <source>用时 %1</source>
        <translation>Took %1</translation>
    </message>
</context>
<context>
    <name>CaseTableModel</name>
    <message>
        <location filename="../../desktop/case_table_model.py" line="91"/>
        <source>编号</source>
        <extracomment>The index&apos;s sort column of each table column: the index&apos;s own columns, in its order, but the escalation level (a filter, not a column of the table). Column titles, marked for lupdate here and translated where the header is painted.</extracomment>
        <translation>Case</translation>
    </message>
    <message>
        <location filename="../../desktop/case_table_model.py" line="92"/>
        <source>状态</source>
        <translation>State</translation>
    </message>
    <message>
        <location filename="../../desktop/case_table_model.py" line="93"/>
        <source>时限</source>
        <translation>Deadline</translation>
    </message>
    <message>
        <location filename="../../desktop/case_table_model.py" line="94"/>
        <source>上报时间</source>
        <translation>Reported</translation>
    </message>
    <message>
        <location filename="../../desktop/case_table_model.py" line="95"/>
        <source>区</source>
        <translation>District</translation>
    </message>
    <message>
        <location filename="../../desktop/case_table_model.py" line="96"/>
        <source>街道</source>
        <translation>Subdistrict</translation>
    </message>
    <message>
        <location filename="../../desktop/case_table_model.py" line="97"/>
        <source>大类</source>
        <translation>Category</translation>
    </message>
    <message>
        <location filename="../../desktop/case_table_model.py" line="98"/>
        <source>小类</source>
        <translation>Subcategory</translation>
    </message>
    <message>
        <location filename="../../desktop/case_table_model.py" line="99"/>
        <source>来源</source>
        <translation>Source</translation>
    </message>
    <message>
        <location filename="../../desktop/case_table_model.py" line="100"/>
        <source>处置单位</source>
        <translation>Unit</translation>
    </message>
    <message>
        <location filename="../../desktop/case_table_model.py" line="101"/>
        <source>描述</source>
        <translation>Description</translation>
    </message>
    <message>
        <location filename="../../desktop/case_table_model.py" line="148"/>
        <source>{d}天{h}时</source>
        <translation>{d}d {h}h</translation>
    </message>
    <message>
        <location filename="../../desktop/case_table_model.py" line="150"/>
        <source>{h}时{m}分</source>
        <translation>{h}h {m}m</translation>
    </message>
    <message>
        <location filename="../../desktop/case_table_model.py" line="152"/>
        <source>{m}分</source>
        <translation>{m} min</translation>
    </message>
    <message>
        <location filename="../../desktop/case_table_model.py" line="154"/>
        <source>超时 {span}</source>
        <translation>Overdue {span}</translation>
    </message>
    <message>
        <location filename="../../desktop/case_table_model.py" line="155"/>
        <source>剩余 {span}</source>
        <translation>{span} left</translation>
    </message>
</context>
<context>
    <name>CockpitPanel</name>
    <message>
        <location filename="../../widgets/cockpit_panels.py" line="697"/>
        <source>数据已过期</source>
        <extracomment>The alarm severities&apos; colours, as on the alarm queue and map (most urgent first). Text on a severity-coloured cell: white, except on yellow where white cannot be read. Names of the device kinds on the wall (the domain&apos;s enum carries none). A fixed width in text heights (a time, a two-character badge); None: a share of the rest. Panels shorter than this (px) show their as-of time beside the title.</extracomment>
        <translation>Data stale</translation>
    </message>
    <message>
        <location filename="../../widgets/cockpit_panels.py" line="697"/>
        <source>等待数据…</source>
        <translation>Waiting for data…</translation>
    </message>
    <message>
        <location filename="../../widgets/cockpit_panels.py" line="699"/>
        <source>数据已过期 · 截至 %1</source>
        <translation>Data stale · as of %1</translation>
    </message>
    <message>
        <location filename="../../widgets/cockpit_panels.py" line="701"/>
        <source>数据截至 %1</source>
        <translation>Data as of %1</translation>
    </message>
</context>
<context>
    <name>CockpitPresenter</name>
    <message>
        <location filename="../../desktop/cockpit_presenter.py" line="280"/>
        <source>● 在线 · 数据截至 %1</source>
        <extracomment>A snapshot is read at least this often even when nothing changed (series move each minute). Between two panels&apos; updates: Qt paints the one just updated before the next is touched. The wall&apos;s map returns to the whole city this long after it last followed an alarm. Only a live stream means the store holds what the server holds: SYNCING is also each retry&apos;s first moment while the server is down (it must not make stale data look fresh again). After following an alarm the wall goes back to the whole city (its overview).</extracomment>
        <translation>● Online · data as of %1</translation>
    </message>
    <message>
        <location filename="../../desktop/cockpit_presenter.py" line="282"/>
        <source>● 连接中断 · 数据截至 %1</source>
        <translation>● Link down · data as of %1</translation>
    </message>
</context>
<context>
    <name>CockpitWindow</name>
    <message>
        <location filename="../../desktop/cockpit.py" line="96"/>
        <source>城市运行指挥大屏</source>
        <translation>City operations video wall</translation>
    </message>
    <message>
        <location filename="../../desktop/cockpit.py" line="115"/>
        <source>杭州市城市运行管理服务平台</source>
        <extracomment>Per page: (spec, panel) for every panel of that layout.</extracomment>
        <translation>Hangzhou City Operations Platform</translation>
    </message>
</context>
<context>
    <name>CommandConfirmDialog</name>
    <message>
        <location filename="../../desktop/device_confirm.py" line="78"/>
        <source>确认设备指令</source>
        <translation>Confirm device command</translation>
    </message>
    <message>
        <location filename="../../desktop/device_confirm.py" line="93"/>
        <source>将下发到 %1 台设备，其中 %2 台当前离线（离线设备将报告失败）</source>
        <translation>Will be sent to %1 devices, %2 of them offline now (offline devices will report failure)</translation>
    </message>
    <message>
        <location filename="../../desktop/device_confirm.py" line="101"/>
        <source>这是全市范围的指令。请输入目标设备数量 %1 以确认：</source>
        <translation>This is a city-wide command. Type the number of target devices, %1, to confirm:</translation>
    </message>
    <message>
        <location filename="../../desktop/device_confirm.py" line="106"/>
        <source>该指令需要设备操作员（operator）角色；您当前没有该角色，服务器将按您的当前角色裁决，预计会拒绝并记录审计。</source>
        <translation>This command needs the operator role. You do not have it; the server decides by your current roles and will most likely refuse it and audit the refusal.</translation>
    </message>
    <message>
        <location filename="../../desktop/device_confirm.py" line="114"/>
        <source>下发</source>
        <translation>Send</translation>
    </message>
    <message>
        <location filename="../../desktop/device_confirm.py" line="115"/>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
</context>
<context>
    <name>CriticalAlarmPopup</name>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="570"/>
        <source>紧急告警</source>
        <translation>Critical alarm</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="575"/>
        <source>⚠ 紧急告警 · 请立即确认</source>
        <translation>⚠ Critical alarm · acknowledge now</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="596"/>
        <source>在列表中查看</source>
        <translation>Show in list</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="597"/>
        <source>确认告警</source>
        <translation>Acknowledge</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="616"/>
        <source>设备：</source>
        <translation>Device: </translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="619"/>
        <source>读数：</source>
        <translation>Reading: </translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="622"/>
        <source>首次告警：%1（%2）· ×%3</source>
        <translation>First raised: %1 (%2) · ×%3</translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop/alarm_panel.py" line="627"/>
        <source>另有 %n 条紧急告警未确认</source>
        <translation>
            <numerusform>%n more critical alarm unacknowledged</numerusform>
            <numerusform>%n more critical alarms unacknowledged</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>DeviceControlPresenter</name>
    <message>
        <location filename="../../desktop/device_control_presenter.py" line="195"/>
        <source>未分组</source>
        <extracomment>Coalescing of live changes into one tree / progress update. Devices applied to the tree per event-loop turn (about 2–4 ms of the UI thread here), so 5,000 acks at once never hold the UI thread for long. A routine command must reach the server within this time or not at all. Progress and audit rows kept on screen. What one unit of the takeover spin box is (tests shorten it to seconds). The confirmation dialog waiting for an answer, if any (tests answer it).</extracomment>
        <translation>Ungrouped</translation>
    </message>
    <message>
        <location filename="../../desktop/device_control_presenter.py" line="364"/>
        <source>等待重新确认（离线排队超过 %1 分钟）</source>
        <translation>Waiting for re-confirmation (queued offline for over %1 minutes)</translation>
    </message>
    <message>
        <location filename="../../desktop/device_control_presenter.py" line="368"/>
        <source>离线排队，待上送服务器</source>
        <translation>Queued offline, waiting to reach the server</translation>
    </message>
    <message>
        <location filename="../../desktop/device_control_presenter.py" line="371"/>
        <source>已作废（重新确认时取消），未执行</source>
        <translation>Voided at re-confirmation, not executed</translation>
    </message>
    <message>
        <location filename="../../desktop/device_control_presenter.py" line="373"/>
        <source>服务器拒绝，未执行：%1</source>
        <translation>Refused by the server, not executed: %1</translation>
    </message>
    <message>
        <location filename="../../desktop/device_control_presenter.py" line="377"/>
        <source>服务器已受理</source>
        <translation>Accepted by the server</translation>
    </message>
    <message>
        <location filename="../../desktop/device_control_presenter.py" line="385"/>
        <source>过期：%1×%2</source>
        <translation>expired: %1×%2</translation>
    </message>
    <message>
        <location filename="../../desktop/device_control_presenter.py" line="385"/>
        <source>未送达</source>
        <translation>not delivered</translation>
    </message>
    <message>
        <location filename="../../desktop/device_control_presenter.py" line="389"/>
        <source>被新指令取代 ×%1</source>
        <translation>superseded by a newer command ×%1</translation>
    </message>
    <message>
        <location filename="../../desktop/device_control_presenter.py" line="391"/>
        <source>完成</source>
        <translation>Done</translation>
    </message>
    <message>
        <location filename="../../desktop/device_control_presenter.py" line="393"/>
        <source>完成（有失败：%1）</source>
        <translation>Done (with failures: %1)</translation>
    </message>
    <message>
        <location filename="../../desktop/device_control_presenter.py" line="395"/>
        <source>完成（%1）</source>
        <translation>Done (%1)</translation>
    </message>
    <message>
        <location filename="../../desktop/device_control_presenter.py" line="397"/>
        <source>进行中 %1/%2</source>
        <translation>In progress %1/%2</translation>
    </message>
    <message>
        <location filename="../../desktop/device_control_presenter.py" line="422"/>
        <source>%1  %2  %3（%4 台）— %5</source>
        <translation>%1  %2  %3 (%4 devices) — %5</translation>
    </message>
    <message>
        <location filename="../../desktop/device_control_presenter.py" line="437"/>
        <source>设备指令未执行：%1</source>
        <translation>Device command not executed: %1</translation>
    </message>
    <message>
        <location filename="../../desktop/device_control_presenter.py" line="477"/>
        <source>没有可作用的设备：请先在树中选择设备</source>
        <translation>No devices to act on: select devices in the tree first</translation>
    </message>
    <message>
        <location filename="../../desktop/device_control_presenter.py" line="484"/>
        <source>另有 %1 台被筛选隐藏，不在此次范围</source>
        <translation>%1 more devices are hidden by the filter and not included</translation>
    </message>
    <message>
        <location filename="../../desktop/device_control_presenter.py" line="495"/>
        <source>该指令没有失败的设备</source>
        <translation>This command has no failed devices</translation>
    </message>
    <message>
        <location filename="../../desktop/device_control_presenter.py" line="504"/>
        <source>接管已结束，不再重试</source>
        <translation>The takeover has ended; not retried</translation>
    </message>
    <message>
        <location filename="../../desktop/device_control_presenter.py" line="510"/>
        <source>原指令下发于 %1，已超过 %2 分钟，不再重试：请确认现场情况后重新下发</source>
        <translation>The original command was issued at %1, more than %2 minutes ago; not retried: check the situation on site and issue it again</translation>
    </message>
    <message>
        <location filename="../../desktop/device_control_presenter.py" line="523"/>
        <source>失败的设备此后都已收到更新的同类指令，无需重试</source>
        <translation>Every failed device has since received a newer command of the same kind; nothing to retry</translation>
    </message>
    <message>
        <location filename="../../desktop/device_control_presenter.py" line="527"/>
        <source>重试：原指令“%1”（%2 由 %3 下发）中失败的设备</source>
        <translation>Retry: the failed devices of &quot;%1&quot; (issued %2 by %3)</translation>
    </message>
    <message>
        <location filename="../../desktop/device_control_presenter.py" line="535"/>
        <source>另有 %1 台失败的设备此后已收到更新的同类指令，不再重试</source>
        <translation>%1 more failed devices have since received a newer command of the same kind and are not retried</translation>
    </message>
    <message>
        <location filename="../../desktop/device_control_presenter.py" line="571"/>
        <source>已取消，未下发</source>
        <translation>Cancelled, not sent</translation>
    </message>
    <message>
        <location filename="../../desktop/device_control_presenter.py" line="593"/>
        <source>已提交：%1（%2 台）</source>
        <translation>Submitted: %1 (%2 devices)</translation>
    </message>
</context>
<context>
    <name>DeviceControlWindow</name>
    <message>
        <location filename="../../desktop/device_control.py" line="108"/>
        <source>设备控制 — LED 大屏与路灯</source>
        <translation>Device control — LED screens and street lights</translation>
    </message>
    <message>
        <location filename="../../desktop/device_control.py" line="128"/>
        <source>LED 大屏</source>
        <translation>LED screens</translation>
    </message>
    <message>
        <location filename="../../desktop/device_control.py" line="129"/>
        <source>照明</source>
        <translation>Lighting</translation>
    </message>
    <message>
        <location filename="../../desktop/device_control.py" line="131"/>
        <source>照明计划</source>
        <translation>Lighting schedule</translation>
    </message>
    <message>
        <location filename="../../desktop/device_control.py" line="146"/>
        <location filename="../../desktop/device_control.py" line="314"/>
        <source>未选择设备</source>
        <translation>No device selected</translation>
    </message>
    <message>
        <location filename="../../desktop/device_control.py" line="150"/>
        <source>作用范围：</source>
        <translation>Scope:</translation>
    </message>
    <message>
        <location filename="../../desktop/device_control.py" line="152"/>
        <source>树中所选的大屏</source>
        <translation>Screens selected in the tree</translation>
    </message>
    <message>
        <location filename="../../desktop/device_control.py" line="153"/>
        <source>全部大屏（“一张图”）</source>
        <translation>All screens (&quot;one picture&quot;)</translation>
    </message>
    <message>
        <location filename="../../desktop/device_control.py" line="156"/>
        <source>内容</source>
        <translation>Content</translation>
    </message>
    <message>
        <location filename="../../desktop/device_control.py" line="159"/>
        <source>要显示的文字，或图片编号 img:…</source>
        <translation>Text to show, or an image id img:…</translation>
    </message>
    <message>
        <location filename="../../desktop/device_control.py" line="161"/>
        <source>发布内容 (Ctrl+P)</source>
        <translation>Publish content (Ctrl+P)</translation>
    </message>
    <message>
        <location filename="../../desktop/device_control.py" line="163"/>
        <source>接管时长（分钟）</source>
        <translation>Takeover length (minutes)</translation>
    </message>
    <message>
        <location filename="../../desktop/device_control.py" line="168"/>
        <source>紧急接管 (Ctrl+T)</source>
        <translation>Emergency takeover (Ctrl+T)</translation>
    </message>
    <message>
        <location filename="../../desktop/device_control.py" line="171"/>
        <source>立即恢复 (Ctrl+R)</source>
        <translation>Restore now (Ctrl+R)</translation>
    </message>
    <message>
        <location filename="../../desktop/device_control.py" line="174"/>
        <source>亮度与电源</source>
        <translation>Brightness and power</translation>
    </message>
    <message>
        <location filename="../../desktop/device_control.py" line="180"/>
        <source>设置亮度</source>
        <translation>Set brightness</translation>
    </message>
    <message>
        <location filename="../../desktop/device_control.py" line="181"/>
        <source>开屏</source>
        <translation>Screens on</translation>
    </message>
    <message>
        <location filename="../../desktop/device_control.py" line="182"/>
        <source>关屏</source>
        <translation>Screens off</translation>
    </message>
    <message>
        <location filename="../../desktop/device_control.py" line="207"/>
        <source>总开关（全市道路与景观照明“一个开关”）</source>
        <translation>Master switch (all road and landscape lighting on &quot;one switch&quot;)</translation>
    </message>
    <message>
        <location filename="../../desktop/device_control.py" line="209"/>
        <source>全部开灯</source>
        <translation>All lights on</translation>
    </message>
    <message>
        <location filename="../../desktop/device_control.py" line="210"/>
        <source>全部关灯</source>
        <translation>All lights off</translation>
    </message>
    <message>
        <location filename="../../desktop/device_control.py" line="215"/>
        <source>树中所选的照明设备</source>
        <translation>Lighting selected in the tree</translation>
    </message>
    <message>
        <location filename="../../desktop/device_control.py" line="217"/>
        <source>开灯</source>
        <translation>Lights on</translation>
    </message>
    <message>
        <location filename="../../desktop/device_control.py" line="218"/>
        <source>关灯</source>
        <translation>Lights off</translation>
    </message>
    <message>
        <location filename="../../desktop/device_control.py" line="225"/>
        <source>调光</source>
        <translation>Dim</translation>
    </message>
    <message>
        <location filename="../../desktop/device_control.py" line="257"/>
        <source>时间</source>
        <translation>Time</translation>
    </message>
    <message>
        <location filename="../../desktop/device_control.py" line="258"/>
        <source>操作人</source>
        <translation>Operator</translation>
    </message>
    <message>
        <location filename="../../desktop/device_control.py" line="259"/>
        <source>指令</source>
        <translation>Command</translation>
    </message>
    <message>
        <location filename="../../desktop/device_control.py" line="260"/>
        <source>设备数</source>
        <translation>Devices</translation>
    </message>
    <message>
        <location filename="../../desktop/device_control.py" line="261"/>
        <source>已确认</source>
        <translation>Acked</translation>
    </message>
    <message>
        <location filename="../../desktop/device_control.py" line="262"/>
        <source>失败</source>
        <translation>Failed</translation>
    </message>
    <message>
        <location filename="../../desktop/device_control.py" line="263"/>
        <source>待回执</source>
        <translation>Pending</translation>
    </message>
    <message>
        <location filename="../../desktop/device_control.py" line="264"/>
        <source>已过期</source>
        <translation>Expired</translation>
    </message>
    <message>
        <location filename="../../desktop/device_control.py" line="265"/>
        <source>状态</source>
        <translation>Status</translation>
    </message>
    <message>
        <location filename="../../desktop/device_control.py" line="278"/>
        <source>重试失败的设备 (Ctrl+Shift+R)</source>
        <translation>Retry failed devices (Ctrl+Shift+R)</translation>
    </message>
    <message>
        <location filename="../../desktop/device_control.py" line="283"/>
        <source>指令进度</source>
        <translation>Command progress</translation>
    </message>
    <message>
        <location filename="../../desktop/device_control.py" line="285"/>
        <source>操作审计</source>
        <translation>Audit</translation>
    </message>
    <message>
        <location filename="../../desktop/device_control.py" line="290"/>
        <source>搜索设备</source>
        <translation>Search devices</translation>
    </message>
    <message>
        <location filename="../../desktop/device_control.py" line="291"/>
        <source>发布内容</source>
        <translation>Publish content</translation>
    </message>
    <message>
        <location filename="../../desktop/device_control.py" line="292"/>
        <source>紧急接管</source>
        <translation>Emergency takeover</translation>
    </message>
    <message>
        <location filename="../../desktop/device_control.py" line="293"/>
        <source>立即恢复</source>
        <translation>Restore now</translation>
    </message>
    <message>
        <location filename="../../desktop/device_control.py" line="294"/>
        <source>重试失败的设备</source>
        <translation>Retry failed devices</translation>
    </message>
    <message>
        <location filename="../../desktop/device_control.py" line="300"/>
        <source>窗口(&amp;W)</source>
        <translation>&amp;Window</translation>
    </message>
    <message>
        <location filename="../../desktop/device_control.py" line="301"/>
        <source>设置(&amp;S)</source>
        <translation>&amp;Settings</translation>
    </message>
    <message>
        <location filename="../../desktop/device_control.py" line="317"/>
        <source>已选择 %1 块大屏、%2 个照明设备（%3 台离线）</source>
        <translation>Selected %1 screens, %2 lighting devices (%3 offline)</translation>
    </message>
    <message>
        <location filename="../../desktop/device_control.py" line="398"/>
        <source>请先输入要显示的内容</source>
        <translation>Enter the content to show first</translation>
    </message>
    <message>
        <location filename="../../desktop/device_control.py" line="405"/>
        <source>紧急接管需要输入显示内容</source>
        <translation>An emergency takeover needs content to show</translation>
    </message>
    <message>
        <location filename="../../desktop/device_control.py" line="415"/>
        <source>请先在“指令进度”中选择要重试的指令</source>
        <translation>First select the command to retry under &quot;Command progress&quot;</translation>
    </message>
</context>
<context>
    <name>DeviceStatusPanel</name>
    <message>
        <location filename="../../widgets/cockpit_panels.py" line="1429"/>
        <source>设备状态</source>
        <translation>Devices</translation>
    </message>
    <message>
        <location filename="../../widgets/cockpit_panels.py" line="1438"/>
        <source>设备</source>
        <translation>Device</translation>
    </message>
    <message>
        <location filename="../../widgets/cockpit_panels.py" line="1439"/>
        <source>在线/总数</source>
        <translation>Online/total</translation>
    </message>
    <message>
        <location filename="../../widgets/cockpit_panels.py" line="1440"/>
        <source>开启</source>
        <translation>On</translation>
    </message>
    <message>
        <location filename="../../widgets/cockpit_panels.py" line="1441"/>
        <source>故障</source>
        <translation>Faults</translation>
    </message>
    <message>
        <location filename="../../widgets/cockpit_panels.py" line="1584"/>
        <source>LED屏</source>
        <translation>LED screens</translation>
    </message>
    <message>
        <location filename="../../widgets/cockpit_panels.py" line="1585"/>
        <source>照明控制柜</source>
        <translation>Lighting cabinets</translation>
    </message>
    <message>
        <location filename="../../widgets/cockpit_panels.py" line="1586"/>
        <source>照明回路</source>
        <translation>Lighting circuits</translation>
    </message>
    <message>
        <location filename="../../widgets/cockpit_panels.py" line="1587"/>
        <source>单灯</source>
        <translation>Lamps</translation>
    </message>
</context>
<context>
    <name>DeviceTree</name>
    <message>
        <location filename="../../widgets/device_tree.py" line="504"/>
        <source>搜索设备名称或编号…</source>
        <translation>Search device name or id…</translation>
    </message>
    <message>
        <location filename="../../widgets/device_tree.py" line="506"/>
        <source>仅离线</source>
        <translation>Offline only</translation>
    </message>
    <message>
        <location filename="../../widgets/device_tree.py" line="507"/>
        <source>仅故障</source>
        <translation>Faulty only</translation>
    </message>
</context>
<context>
    <name>DeviceTreeModel</name>
    <message>
        <location filename="../../widgets/device_tree.py" line="127"/>
        <source>名称</source>
        <translation>Name</translation>
    </message>
    <message>
        <location filename="../../widgets/device_tree.py" line="128"/>
        <source>状态</source>
        <translation>Status</translation>
    </message>
    <message>
        <location filename="../../widgets/device_tree.py" line="129"/>
        <source>亮度/调光</source>
        <translation>Brightness/dim</translation>
    </message>
    <message>
        <location filename="../../widgets/device_tree.py" line="130"/>
        <source>当前内容</source>
        <translation>Current content</translation>
    </message>
    <message>
        <location filename="../../widgets/device_tree.py" line="131"/>
        <source>故障</source>
        <translation>Faults</translation>
    </message>
    <message>
        <location filename="../../widgets/device_tree.py" line="132"/>
        <source>最后在线</source>
        <translation>Last seen</translation>
    </message>
    <message>
        <location filename="../../widgets/device_tree.py" line="135"/>
        <source>%1（%2 台 · %3 离线）</source>
        <extracomment>The translated &quot;%1（%2 台 · %3 离线）&quot; of a district&apos;s or group&apos;s name.</extracomment>
        <translation>%1 (%2 devices · %3 offline)</translation>
    </message>
</context>
<context>
    <name>Dialogs</name>
    <message>
        <location filename="../../desktop/pickers.py" line="137"/>
        <source>确定</source>
        <translation>OK</translation>
    </message>
    <message>
        <location filename="../../desktop/pickers.py" line="139"/>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
</context>
<context>
    <name>Errors</name>
    <message>
        <location filename="../../desktop/errors.py" line="40"/>
        <source>程序错误</source>
        <translation>Program error</translation>
    </message>
    <message>
        <location filename="../../desktop/errors.py" line="42"/>
        <source>发生了一个未处理的错误，已记入日志。程序可以继续使用。</source>
        <translation>An unexpected error occurred and was logged. You can keep working.</translation>
    </message>
</context>
<context>
    <name>InspectionForm</name>
    <message>
        <location filename="../../desktop/ranking_window.py" line="96"/>
        <source>现场情况说明（可选）</source>
        <translation>What was found on site (optional)</translation>
    </message>
    <message>
        <location filename="../../desktop/ranking_window.py" line="105"/>
        <source>未填</source>
        <translation>Not filled in</translation>
    </message>
    <message>
        <location filename="../../desktop/ranking_window.py" line="111"/>
        <source>提交检查结果</source>
        <translation>Submit finding</translation>
    </message>
    <message>
        <location filename="../../desktop/ranking_window.py" line="112"/>
        <source>区县</source>
        <translation>District</translation>
    </message>
    <message>
        <location filename="../../desktop/ranking_window.py" line="113"/>
        <source>街道</source>
        <translation>Street</translation>
    </message>
    <message>
        <location filename="../../desktop/ranking_window.py" line="114"/>
        <source>考评分类</source>
        <translation>Evaluation category</translation>
    </message>
    <message>
        <location filename="../../desktop/ranking_window.py" line="115"/>
        <source>考评项</source>
        <translation>Evaluation item</translation>
    </message>
    <message>
        <location filename="../../desktop/ranking_window.py" line="116"/>
        <source>每处扣分</source>
        <translation>Deduction each</translation>
    </message>
    <message>
        <location filename="../../desktop/ranking_window.py" line="117"/>
        <source>发现数量</source>
        <translation>Count found</translation>
    </message>
    <message>
        <location filename="../../desktop/ranking_window.py" line="118"/>
        <source>备注</source>
        <translation>Note</translation>
    </message>
    <message>
        <location filename="../../desktop/ranking_window.py" line="119"/>
        <source>检查时间</source>
        <translation>Observed at</translation>
    </message>
    <message>
        <location filename="../../desktop/ranking_window.py" line="120"/>
        <source>经度</source>
        <translation>Longitude</translation>
    </message>
    <message>
        <location filename="../../desktop/ranking_window.py" line="121"/>
        <source>纬度</source>
        <translation>Latitude</translation>
    </message>
    <message>
        <location filename="../../desktop/ranking_window.py" line="154"/>
        <source>（不指定街道）</source>
        <translation>(no particular street)</translation>
    </message>
    <message>
        <location filename="../../desktop/ranking_window.py" line="179"/>
        <source>%1 分（本期最多扣 %2 分）</source>
        <translation>%1 points (at most %2 deducted per period)</translation>
    </message>
</context>
<context>
    <name>KpiPanel</name>
    <message>
        <location filename="../../widgets/cockpit_panels.py" line="857"/>
        <source>城市运行指标</source>
        <translation>City vital signs</translation>
    </message>
    <message>
        <location filename="../../widgets/cockpit_panels.py" line="861"/>
        <source>今日上报案件</source>
        <translation>Cases reported today</translation>
    </message>
    <message>
        <location filename="../../widgets/cockpit_panels.py" line="862"/>
        <source>今日结案</source>
        <translation>Cases closed today</translation>
    </message>
    <message>
        <location filename="../../widgets/cockpit_panels.py" line="863"/>
        <source>按时结案率</source>
        <translation>On-time closing rate</translation>
    </message>
    <message>
        <location filename="../../widgets/cockpit_panels.py" line="864"/>
        <source>活跃告警</source>
        <translation>Active alarms</translation>
    </message>
    <message>
        <location filename="../../widgets/cockpit_panels.py" line="865"/>
        <source>今日物联数据</source>
        <translation>IoT readings today</translation>
    </message>
    <message>
        <location filename="../../widgets/cockpit_panels.py" line="866"/>
        <source>今日超重车辆</source>
        <translation>Overweight vehicles today</translation>
    </message>
    <message>
        <location filename="../../widgets/cockpit_panels.py" line="867"/>
        <source>LED屏在线</source>
        <translation>LED screens online</translation>
    </message>
    <message>
        <location filename="../../widgets/cockpit_panels.py" line="868"/>
        <source>亮灯</source>
        <translation>Lights on</translation>
    </message>
    <message>
        <location filename="../../widgets/cockpit_panels.py" line="869"/>
        <source>空闲泊位</source>
        <translation>Free parking berths</translation>
    </message>
    <message>
        <location filename="../../widgets/cockpit_panels.py" line="950"/>
        <location filename="../../widgets/cockpit_panels.py" line="953"/>
        <source>件</source>
        <extracomment>Columns from the layout, or None: chosen from the panel&apos;s shape as it is resized.</extracomment>
        <translation>cases</translation>
    </message>
    <message>
        <location filename="../../widgets/cockpit_panels.py" line="958"/>
        <source>条</source>
        <translation>readings</translation>
    </message>
    <message>
        <location filename="../../widgets/cockpit_panels.py" line="963"/>
        <source>辆 · 桥梁动态称重</source>
        <translation>vehicles · bridge weigh-in-motion</translation>
    </message>
    <message>
        <location filename="../../widgets/cockpit_panels.py" line="974"/>
        <source>今日尚无结案</source>
        <translation>No case closed yet today</translation>
    </message>
    <message>
        <location filename="../../widgets/cockpit_panels.py" line="975"/>
        <source>今日结案 %1 件</source>
        <translation>%1 cases closed today</translation>
    </message>
    <message>
        <location filename="../../widgets/cockpit_panels.py" line="991"/>
        <source>未接入</source>
        <translation>Not connected</translation>
    </message>
    <message>
        <location filename="../../widgets/cockpit_panels.py" line="991"/>
        <source>暂无数据源</source>
        <translation>No data source yet</translation>
    </message>
    <message>
        <location filename="../../widgets/cockpit_panels.py" line="992"/>
        <source>个</source>
        <translation>devices</translation>
    </message>
    <message>
        <location filename="../../widgets/cockpit_panels.py" line="1582"/>
        <source>在线率</source>
        <translation>online</translation>
    </message>
    <message>
        <location filename="../../widgets/cockpit_panels.py" line="1583"/>
        <source>亮灯率</source>
        <translation>lit</translation>
    </message>
</context>
<context>
    <name>LocationMap</name>
    <message>
        <location filename="../../widgets/location_map.py" line="199"/>
        <source>无地图数据</source>
        <extracomment>Latitude of the projection&apos;s true scale: Hangzhou. Close enough for every district; the map is a thumbnail, not a survey. Margin around the highlighted district, as a share of its larger side.</extracomment>
        <translation>No map data</translation>
    </message>
</context>
<context>
    <name>LoginDialog</name>
    <message>
        <location filename="../../desktop/login_dialog.py" line="30"/>
        <source>请填写服务器地址</source>
        <translation>Enter the server address</translation>
    </message>
    <message>
        <location filename="../../desktop/login_dialog.py" line="32"/>
        <source>地址应形如 http://192.168.1.10:8000</source>
        <translation>The address looks like http://192.168.1.10:8000</translation>
    </message>
    <message>
        <location filename="../../desktop/login_dialog.py" line="56"/>
        <source>城市运行管理服务平台 — 登录</source>
        <translation>City Operations Platform — Sign in</translation>
    </message>
    <message>
        <location filename="../../desktop/login_dialog.py" line="59"/>
        <source>城市运行指挥大厅</source>
        <translation>City Operations Command Center</translation>
    </message>
    <message>
        <location filename="../../desktop/login_dialog.py" line="65"/>
        <source>首次启动：请填写指挥中心服务器的地址（由系统管理员提供，例如 http://192.168.1.10:8000）。之后本机会记住它。</source>
        <translation>First start: enter the command center server&apos;s address (your system administrator has it, e.g. http://192.168.1.10:8000). This computer will remember it.</translation>
    </message>
    <message>
        <location filename="../../desktop/login_dialog.py" line="82"/>
        <source>服务器地址</source>
        <translation>Server address</translation>
    </message>
    <message>
        <location filename="../../desktop/login_dialog.py" line="84"/>
        <source>用户名</source>
        <translation>User name</translation>
    </message>
    <message>
        <location filename="../../desktop/login_dialog.py" line="85"/>
        <source>密码</source>
        <translation>Password</translation>
    </message>
    <message>
        <location filename="../../desktop/login_dialog.py" line="93"/>
        <source>登录</source>
        <translation>Sign in</translation>
    </message>
    <message>
        <location filename="../../desktop/login_dialog.py" line="95"/>
        <source>离线启动</source>
        <translation>Start offline</translation>
    </message>
    <message>
        <location filename="../../desktop/login_dialog.py" line="96"/>
        <source>使用本机上次的缓存工作，联网后再登录上传</source>
        <translation>Work from this computer&apos;s last copy; sign in to upload once the network is back</translation>
    </message>
    <message>
        <location filename="../../desktop/login_dialog.py" line="97"/>
        <source>退出</source>
        <translation>Quit</translation>
    </message>
    <message>
        <location filename="../../desktop/login_dialog.py" line="143"/>
        <source>正在连接…</source>
        <translation>Connecting…</translation>
    </message>
</context>
<context>
    <name>MapPanel</name>
    <message>
        <location filename="../../desktop/cockpit.py" line="58"/>
        <source>实时告警地图</source>
        <extracomment>The wall map&apos;s page zoom: a 4K panel seen from across the hall needs the legend, the district names and the markers about twice their desktop size.</extracomment>
        <translation>Live alarm map</translation>
    </message>
</context>
<context>
    <name>NewCaseDialog</name>
    <message>
        <location filename="../../desktop/new_case_dialog.py" line="77"/>
        <source>新建案件</source>
        <extracomment>A phone number: digits only (a landline with area code has 11-12, a mobile 11, a short service number 5), optionally written with spaces or dashes, which are dropped.</extracomment>
        <translation>New case</translation>
    </message>
    <message>
        <location filename="../../desktop/new_case_dialog.py" line="105"/>
        <source>来源 *</source>
        <translation>Source *</translation>
    </message>
    <message>
        <location filename="../../desktop/new_case_dialog.py" line="110"/>
        <source>问题是什么、在哪里、有多严重</source>
        <translation>What is wrong, where, and how bad</translation>
    </message>
    <message>
        <location filename="../../desktop/new_case_dialog.py" line="116"/>
        <source>问题描述 *</source>
        <translation>Description *</translation>
    </message>
    <message>
        <location filename="../../desktop/new_case_dialog.py" line="120"/>
        <location filename="../../desktop/new_case_dialog.py" line="250"/>
        <source>请选择区县</source>
        <translation>Choose a district</translation>
    </message>
    <message>
        <location filename="../../desktop/new_case_dialog.py" line="123"/>
        <source>区县 *</source>
        <translation>District *</translation>
    </message>
    <message>
        <location filename="../../desktop/new_case_dialog.py" line="127"/>
        <source>街道</source>
        <translation>Street</translation>
    </message>
    <message>
        <location filename="../../desktop/new_case_dialog.py" line="130"/>
        <source>社区</source>
        <translation>Community</translation>
    </message>
    <message>
        <location filename="../../desktop/new_case_dialog.py" line="134"/>
        <source>路名门牌或地标</source>
        <translation>Street and number, or a landmark</translation>
    </message>
    <message>
        <location filename="../../desktop/new_case_dialog.py" line="136"/>
        <source>地址</source>
        <translation>Address</translation>
    </message>
    <message>
        <location filename="../../desktop/new_case_dialog.py" line="143"/>
        <source>经度，如 120.1551</source>
        <translation>Longitude, e.g. 120.1551</translation>
    </message>
    <message>
        <location filename="../../desktop/new_case_dialog.py" line="146"/>
        <source>纬度，如 30.2741</source>
        <translation>Latitude, e.g. 30.2741</translation>
    </message>
    <message>
        <location filename="../../desktop/new_case_dialog.py" line="149"/>
        <source>坐标</source>
        <translation>Coordinates</translation>
    </message>
    <message>
        <location filename="../../desktop/new_case_dialog.py" line="159"/>
        <source>选填，仅数字</source>
        <translation>Optional, digits only</translation>
    </message>
    <message>
        <location filename="../../desktop/new_case_dialog.py" line="161"/>
        <source>来电号码</source>
        <translation>Caller&apos;s number</translation>
    </message>
    <message>
        <location filename="../../desktop/new_case_dialog.py" line="163"/>
        <source>上报</source>
        <translation>Report</translation>
    </message>
    <message>
        <location filename="../../desktop/new_case_dialog.py" line="186"/>
        <source>（不限街道）</source>
        <translation>(any street)</translation>
    </message>
    <message>
        <location filename="../../desktop/new_case_dialog.py" line="190"/>
        <source>（不限社区）</source>
        <translation>(any community)</translation>
    </message>
    <message>
        <location filename="../../desktop/new_case_dialog.py" line="200"/>
        <source>经度和纬度要么都填，要么都不填</source>
        <translation>Give both longitude and latitude, or neither</translation>
    </message>
    <message>
        <location filename="../../desktop/new_case_dialog.py" line="203"/>
        <source>经度</source>
        <translation>Longitude</translation>
    </message>
    <message>
        <location filename="../../desktop/new_case_dialog.py" line="204"/>
        <source>纬度</source>
        <translation>Latitude</translation>
    </message>
    <message>
        <location filename="../../desktop/new_case_dialog.py" line="209"/>
        <source>应为数字，如 120.1551</source>
        <translation>must be a number, e.g. 120.1551</translation>
    </message>
    <message>
        <location filename="../../desktop/new_case_dialog.py" line="215"/>
        <source>应在 %1 到 %2 之间</source>
        <translation>must be between %1 and %2</translation>
    </message>
    <message>
        <location filename="../../desktop/new_case_dialog.py" line="228"/>
        <source>电话号码只能包含数字</source>
        <translation>The phone number may contain digits only</translation>
    </message>
    <message>
        <location filename="../../desktop/new_case_dialog.py" line="230"/>
        <source>电话号码应为 %1 到 %2 位数字</source>
        <translation>The phone number must have %1 to %2 digits</translation>
    </message>
    <message>
        <location filename="../../desktop/new_case_dialog.py" line="238"/>
        <source>您的角色不能上报案件</source>
        <translation>Your role cannot report cases</translation>
    </message>
    <message>
        <location filename="../../desktop/new_case_dialog.py" line="242"/>
        <source>请填写问题描述</source>
        <translation>Enter a description</translation>
    </message>
    <message>
        <location filename="../../desktop/new_case_dialog.py" line="245"/>
        <source>问题描述最多 %1 字（当前 %2 字）</source>
        <translation>The description may have at most %1 characters (now %2)</translation>
    </message>
    <message>
        <location filename="../../desktop/new_case_dialog.py" line="267"/>
        <source>杭州市外</source>
        <translation>outside Hangzhou</translation>
    </message>
    <message>
        <location filename="../../desktop/new_case_dialog.py" line="268"/>
        <source>注意：该坐标位于 %1，不在所选区县内</source>
        <translation>Note: these coordinates are in %1, not in the chosen district</translation>
    </message>
</context>
<context>
    <name>OfflineBanner</name>
    <message>
        <location filename="../../desktop/status_bar.py" line="100"/>
        <source>重新登录</source>
        <translation>Sign in again</translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop/status_bar.py" line="111"/>
        <source>离线工作中：操作已保存在本机，恢复连接后自动上传（待上传 %n 条）</source>
        <translation>
            <numerusform>Working offline: your actions are saved on this computer and go up when the link is back (%n waiting to upload)</numerusform>
            <numerusform>Working offline: your actions are saved on this computer and go up when the link is back (%n waiting to upload)</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop/status_bar.py" line="117"/>
        <source>登录已失效：操作仍保存在本机（待上传 %n 条），请重新登录后上传</source>
        <translation>
            <numerusform>Sign-in expired: your actions are still saved here (%n waiting to upload); sign in again to upload them</numerusform>
            <numerusform>Sign-in expired: your actions are still saved here (%n waiting to upload); sign in again to upload them</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../desktop/status_bar.py" line="120"/>
        <source>同步受阻，请联系系统管理员：</source>
        <translation>Sync is blocked, contact your system administrator: </translation>
    </message>
</context>
<context>
    <name>RankingPresenter</name>
    <message>
        <location filename="../../desktop/ranking_presenter.py" line="205"/>
        <source>全市平均</source>
        <translation>City average</translation>
    </message>
    <message>
        <location filename="../../desktop/ranking_presenter.py" line="165"/>
        <source>%1 条检查记录的考评项或数量不符合现行考评标准，未计分</source>
        <extracomment>Least seconds between two reloads caused by synced changes (a ranking takes ~1.5 s). The trend of the shown period: (period, district → total) oldest first.</extracomment>
        <translation>%1 inspection findings have an item or count the current standard cannot score; left out</translation>
    </message>
    <message>
        <location filename="../../desktop/ranking_presenter.py" line="277"/>
        <source>%1 · %2：%3</source>
        <translation>%1 · %2: %3</translation>
    </message>
    <message>
        <location filename="../../desktop/ranking_presenter.py" line="280"/>
        <location filename="../../desktop/ranking_presenter.py" line="341"/>
        <source>（列出前 %1 件）</source>
        <translation>(first %1 listed)</translation>
    </message>
    <message>
        <location filename="../../desktop/ranking_presenter.py" line="281"/>
        <location filename="../../desktop/ranking_presenter.py" line="342"/>
        <source>案件编号</source>
        <translation>Case id</translation>
    </message>
    <message>
        <location filename="../../desktop/ranking_presenter.py" line="281"/>
        <source>状态</source>
        <translation>State</translation>
    </message>
    <message>
        <location filename="../../desktop/ranking_presenter.py" line="281"/>
        <location filename="../../desktop/ranking_presenter.py" line="342"/>
        <source>上报时间</source>
        <translation>Reported</translation>
    </message>
    <message>
        <location filename="../../desktop/ranking_presenter.py" line="282"/>
        <source>节点时间</source>
        <translation>Milestone</translation>
    </message>
    <message>
        <location filename="../../desktop/ranking_presenter.py" line="282"/>
        <source>计分</source>
        <translation>Counts</translation>
    </message>
    <message>
        <location filename="../../desktop/ranking_presenter.py" line="282"/>
        <location filename="../../desktop/ranking_presenter.py" line="343"/>
        <source>描述</source>
        <translation>Description</translation>
    </message>
    <message>
        <location filename="../../desktop/ranking_presenter.py" line="285"/>
        <source>达标</source>
        <translation>Met</translation>
    </message>
    <message>
        <location filename="../../desktop/ranking_presenter.py" line="285"/>
        <source>未达标</source>
        <translation>Missed</translation>
    </message>
    <message>
        <location filename="../../desktop/ranking_presenter.py" line="301"/>
        <source>考评检查</source>
        <translation>Inspection</translation>
    </message>
    <message>
        <location filename="../../desktop/ranking_presenter.py" line="302"/>
        <source>%1 · %2：%3 条检查发现</source>
        <translation>%1 · %2: %3 findings</translation>
    </message>
    <message>
        <location filename="../../desktop/ranking_presenter.py" line="305"/>
        <source>%1 · %2：检查发现（列出前 %3 条）</source>
        <translation>%1 · %2: findings (first %3 listed)</translation>
    </message>
    <message>
        <location filename="../../desktop/ranking_presenter.py" line="309"/>
        <source>考评项</source>
        <translation>Item</translation>
    </message>
    <message>
        <location filename="../../desktop/ranking_presenter.py" line="309"/>
        <source>数量</source>
        <translation>Count</translation>
    </message>
    <message>
        <location filename="../../desktop/ranking_presenter.py" line="309"/>
        <source>扣分</source>
        <translation>Deduction</translation>
    </message>
    <message>
        <location filename="../../desktop/ranking_presenter.py" line="309"/>
        <source>检查时间</source>
        <translation>Observed at</translation>
    </message>
    <message>
        <location filename="../../desktop/ranking_presenter.py" line="310"/>
        <source>街道</source>
        <translation>Street</translation>
    </message>
    <message>
        <location filename="../../desktop/ranking_presenter.py" line="310"/>
        <source>备注</source>
        <translation>Note</translation>
    </message>
    <message>
        <location filename="../../desktop/ranking_presenter.py" line="310"/>
        <source>编号</source>
        <translation>Id</translation>
    </message>
    <message>
        <location filename="../../desktop/ranking_presenter.py" line="322"/>
        <source>%1 · 总分与各项指标</source>
        <translation>%1 · total and indicators</translation>
    </message>
    <message>
        <location filename="../../desktop/ranking_presenter.py" line="337"/>
        <source>%1 · 公众满意度：%2 件回访评价，平均 %3 分（满分 5 分）</source>
        <translation>%1 · public satisfaction: %2 callback ratings, mean %3 (of 5)</translation>
    </message>
    <message>
        <location filename="../../desktop/ranking_presenter.py" line="342"/>
        <source>满意度</source>
        <translation>Satisfaction</translation>
    </message>
    <message>
        <location filename="../../desktop/ranking_presenter.py" line="343"/>
        <source>结案时间</source>
        <translation>Closed</translation>
    </message>
    <message>
        <location filename="../../desktop/ranking_presenter.py" line="353"/>
        <source>满意</source>
        <translation>Satisfied</translation>
    </message>
    <message>
        <location filename="../../desktop/ranking_presenter.py" line="353"/>
        <source>基本满意</source>
        <translation>Fairly satisfied</translation>
    </message>
    <message>
        <location filename="../../desktop/ranking_presenter.py" line="353"/>
        <source>不满意</source>
        <translation>Dissatisfied</translation>
    </message>
    <message>
        <location filename="../../desktop/ranking_presenter.py" line="357"/>
        <source>%1 分</source>
        <translation>%1 points</translation>
    </message>
    <message>
        <location filename="../../desktop/ranking_presenter.py" line="379"/>
        <source>已导出 %1</source>
        <translation>Exported %1</translation>
    </message>
    <message>
        <location filename="../../desktop/ranking_presenter.py" line="445"/>
        <source>已提交，编号 %1</source>
        <translation>Submitted, id %1</translation>
    </message>
    <message>
        <location filename="../../desktop/ranking_presenter.py" line="453"/>
        <source>检查记录未被接受：%1</source>
        <translation>Finding not accepted: %1</translation>
    </message>
</context>
<context>
    <name>RankingWindow</name>
    <message>
        <location filename="../../desktop/ranking_window.py" line="239"/>
        <source>城市运行指挥大厅 — 考核排名</source>
        <translation>City Operations Command Hall — District ranking</translation>
    </message>
    <message>
        <location filename="../../desktop/ranking_window.py" line="262"/>
        <source>各区县总分</source>
        <translation>Totals by district</translation>
    </message>
    <message>
        <location filename="../../desktop/ranking_window.py" line="266"/>
        <source>总分走势</source>
        <translation>Total over time</translation>
    </message>
    <message>
        <location filename="../../desktop/ranking_window.py" line="278"/>
        <source>点击表中的分数查看其依据</source>
        <translation>Click a score in the table to see what it comes from</translation>
    </message>
    <message>
        <location filename="../../desktop/ranking_window.py" line="289"/>
        <source>得分依据</source>
        <translation>Score basis</translation>
    </message>
    <message>
        <location filename="../../desktop/ranking_window.py" line="291"/>
        <source>录入检查</source>
        <translation>Record finding</translation>
    </message>
    <message>
        <location filename="../../desktop/ranking_window.py" line="306"/>
        <source>日检查</source>
        <translation>Daily check</translation>
    </message>
    <message>
        <location filename="../../desktop/ranking_window.py" line="307"/>
        <source>周排名</source>
        <translation>Weekly ranking</translation>
    </message>
    <message>
        <location filename="../../desktop/ranking_window.py" line="308"/>
        <source>月通报</source>
        <translation>Monthly bulletin</translation>
    </message>
    <message>
        <location filename="../../desktop/ranking_window.py" line="309"/>
        <source>年度考核</source>
        <translation>Annual assessment</translation>
    </message>
    <message>
        <location filename="../../desktop/ranking_window.py" line="319"/>
        <source>◀ 上一期</source>
        <translation>◀ Previous</translation>
    </message>
    <message>
        <location filename="../../desktop/ranking_window.py" line="320"/>
        <source>下一期 ▶</source>
        <translation>Next ▶</translation>
    </message>
    <message>
        <location filename="../../desktop/ranking_window.py" line="324"/>
        <source>刷新</source>
        <translation>Refresh</translation>
    </message>
    <message>
        <location filename="../../desktop/ranking_window.py" line="325"/>
        <source>导出 PDF</source>
        <translation>Export PDF</translation>
    </message>
    <message>
        <location filename="../../desktop/ranking_window.py" line="326"/>
        <source>导出 XLSX</source>
        <translation>Export XLSX</translation>
    </message>
    <message>
        <location filename="../../desktop/ranking_window.py" line="327"/>
        <source>导出 CSV</source>
        <translation>Export CSV</translation>
    </message>
    <message>
        <location filename="../../desktop/ranking_window.py" line="328"/>
        <source>期间</source>
        <translation>Period</translation>
    </message>
    <message>
        <location filename="../../desktop/ranking_window.py" line="345"/>
        <source>窗口(&amp;W)</source>
        <translation>&amp;Window</translation>
    </message>
    <message>
        <location filename="../../desktop/ranking_window.py" line="346"/>
        <source>设置(&amp;S)</source>
        <translation>&amp;Settings</translation>
    </message>
    <message>
        <location filename="../../desktop/ranking_window.py" line="384"/>
        <source>导出</source>
        <translation>Export</translation>
    </message>
</context>
<context>
    <name>ReasonDialog</name>
    <message>
        <location filename="../../desktop/pickers.py" line="504"/>
        <source>请填写原因</source>
        <translation>Enter a reason</translation>
    </message>
    <message>
        <location filename="../../desktop/pickers.py" line="507"/>
        <source>原因最多 %1 字（当前 %2 字）</source>
        <translation>The reason may have at most %1 characters (now %2)</translation>
    </message>
</context>
<context>
    <name>ReconfirmDialog</name>
    <message>
        <location filename="../../desktop/device_confirm.py" line="153"/>
        <source>离线排队的指令需重新确认</source>
        <translation>A command queued offline needs re-confirmation</translation>
    </message>
    <message>
        <location filename="../../desktop/device_confirm.py" line="159"/>
        <source>以下指令在本机排队了 %1 分钟，尚未下发：

%2
（%3 台设备）

情况可能已变化：仍要下发吗？在您决定之前，本机之后的所有操作也暂停上传。</source>
        <translation>This command has waited %1 minutes in this workstation&apos;s queue and has not been sent:

%2
(%3 devices)

Things may have changed: send it anyway? Until you decide, every later action of this workstation waits too.</translation>
    </message>
    <message>
        <location filename="../../desktop/device_confirm.py" line="174"/>
        <source>注意：该指令此前已上送过但未收到服务器答复，服务器可能已经执行了它。“作废”只能阻止尚未执行的指令，无法撤回已执行的操作。</source>
        <translation>Note: this command was sent before but the server&apos;s answer never arrived; the server may already have executed it. &quot;Void&quot; only stops a command not yet executed; it cannot undo one that was.</translation>
    </message>
    <message>
        <location filename="../../desktop/device_confirm.py" line="183"/>
        <source>这是全市范围的指令。如仍要下发，请再次输入目标设备数量 %1：</source>
        <translation>This is a city-wide command. To send it anyway, type the number of target devices, %1, again:</translation>
    </message>
    <message>
        <location filename="../../desktop/device_confirm.py" line="186"/>
        <source>仍然下发</source>
        <translation>Send anyway</translation>
    </message>
    <message>
        <location filename="../../desktop/device_confirm.py" line="188"/>
        <source>作废，不下发</source>
        <translation>Void, do not send</translation>
    </message>
    <message>
        <location filename="../../desktop/device_confirm.py" line="188"/>
        <source>作废（如尚未执行）</source>
        <translation>Void (if not yet executed)</translation>
    </message>
</context>
<context>
    <name>RewardDialog</name>
    <message>
        <location filename="../../desktop/pickers.py" line="524"/>
        <source>奖励审定</source>
        <translation>Decide reward</translation>
    </message>
    <message>
        <location filename="../../desktop/pickers.py" line="526"/>
        <source>举报属实，给予奖励</source>
        <translation>Report confirmed: grant a reward</translation>
    </message>
    <message>
        <location filename="../../desktop/pickers.py" line="527"/>
        <source>不予奖励</source>
        <translation>No reward</translation>
    </message>
    <message>
        <location filename="../../desktop/pickers.py" line="531"/>
        <source>奖励金额（元）</source>
        <translation>Amount (yuan)</translation>
    </message>
    <message>
        <location filename="../../desktop/pickers.py" line="541"/>
        <source>说明（不予奖励时必填）</source>
        <translation>Note (required when refusing)</translation>
    </message>
    <message>
        <location filename="../../desktop/pickers.py" line="570"/>
        <source>不予奖励时请说明原因</source>
        <translation>Say why no reward is given</translation>
    </message>
</context>
<context>
    <name>SatisfactionDialog</name>
    <message>
        <location filename="../../desktop/pickers.py" line="585"/>
        <source>回访满意度</source>
        <translation>Satisfaction callback</translation>
    </message>
    <message>
        <location filename="../../desktop/pickers.py" line="587"/>
        <source>结案后电话回访举报人，记录其评价（每件只记录一次）：</source>
        <translation>The reporter was called back after closing; record the answer (once per case):</translation>
    </message>
    <message>
        <location filename="../../desktop/pickers.py" line="589"/>
        <source>满意</source>
        <translation>Satisfied</translation>
    </message>
    <message>
        <location filename="../../desktop/pickers.py" line="590"/>
        <source>基本满意</source>
        <translation>Fairly satisfied</translation>
    </message>
    <message>
        <location filename="../../desktop/pickers.py" line="591"/>
        <source>不满意</source>
        <translation>Dissatisfied</translation>
    </message>
    <message>
        <location filename="../../desktop/pickers.py" line="602"/>
        <source>回访记录（可选）</source>
        <translation>Callback note (optional)</translation>
    </message>
    <message>
        <location filename="../../desktop/pickers.py" line="633"/>
        <source>请选择回访结果</source>
        <translation>Choose the callback&apos;s answer</translation>
    </message>
    <message>
        <location filename="../../desktop/pickers.py" line="638"/>
        <source>回访记录最多 %1 字</source>
        <translation>The callback note has at most %1 characters</translation>
    </message>
</context>
<context>
    <name>ScheduleForm</name>
    <message>
        <location filename="../../desktop/schedule_form.py" line="70"/>
        <source>全市默认计划</source>
        <extracomment>What the form shows before the first schedule is read (no periods: nothing lit).</extracomment>
        <translation>City default schedule</translation>
    </message>
    <message>
        <location filename="../../desktop/schedule_form.py" line="71"/>
        <source>改为沿用全市默认</source>
        <translation>Follow the city default instead</translation>
    </message>
    <message>
        <location filename="../../desktop/schedule_form.py" line="73"/>
        <source>适用于：</source>
        <translation>Applies to:</translation>
    </message>
    <message>
        <location filename="../../desktop/schedule_form.py" line="82"/>
        <source>添加季节</source>
        <translation>Add season</translation>
    </message>
    <message>
        <location filename="../../desktop/schedule_form.py" line="83"/>
        <source>删除季节</source>
        <translation>Delete season</translation>
    </message>
    <message>
        <location filename="../../desktop/schedule_form.py" line="84"/>
        <source>日历：</source>
        <translation>Calendar:</translation>
    </message>
    <message>
        <location filename="../../desktop/schedule_form.py" line="95"/>
        <source>季节名称</source>
        <translation>Season name</translation>
    </message>
    <message>
        <location filename="../../desktop/schedule_form.py" line="96"/>
        <source>起（月-日）</source>
        <translation>From (month-day)</translation>
    </message>
    <message>
        <location filename="../../desktop/schedule_form.py" line="97"/>
        <source>止（月-日）</source>
        <translation>To (month-day)</translation>
    </message>
    <message>
        <location filename="../../desktop/schedule_form.py" line="101"/>
        <source>开灯</source>
        <translation>On</translation>
    </message>
    <message>
        <location filename="../../desktop/schedule_form.py" line="101"/>
        <source>关灯</source>
        <translation>Off</translation>
    </message>
    <message>
        <location filename="../../desktop/schedule_form.py" line="101"/>
        <source>亮度 %</source>
        <translation>Level %</translation>
    </message>
    <message>
        <location filename="../../desktop/schedule_form.py" line="105"/>
        <source>时间可写 18:30，或 sunset+15 / sunrise-10 / dusk / dawn+5（日落后 15 分钟等）</source>
        <translation>Times: 18:30, or sunset+15 / sunrise-10 / dusk / dawn+5 (15 minutes after sunset, etc.)</translation>
    </message>
    <message>
        <location filename="../../desktop/schedule_form.py" line="109"/>
        <source>添加时段</source>
        <translation>Add period</translation>
    </message>
    <message>
        <location filename="../../desktop/schedule_form.py" line="110"/>
        <source>删除时段</source>
        <translation>Delete period</translation>
    </message>
    <message>
        <location filename="../../desktop/schedule_form.py" line="116"/>
        <source>预览日期：</source>
        <translation>Preview date:</translation>
    </message>
    <message>
        <location filename="../../desktop/schedule_form.py" line="122"/>
        <source>保存计划</source>
        <translation>Save schedule</translation>
    </message>
    <message>
        <location filename="../../desktop/schedule_form.py" line="204"/>
        <source>全年（未被季节覆盖的日子）</source>
        <translation>All year (days no season covers)</translation>
    </message>
    <message>
        <location filename="../../desktop/schedule_form.py" line="268"/>
        <source>（次日）</source>
        <translation>(next day)</translation>
    </message>
    <message>
        <location filename="../../desktop/schedule_form.py" line="278"/>
        <source>计划有误：</source>
        <translation>The schedule has an error:</translation>
    </message>
    <message>
        <location filename="../../desktop/schedule_form.py" line="283"/>
        <source>%1 当晚（杭州）亮灯时段：</source>
        <translation>Lit on the night of %1 (Hangzhou):</translation>
    </message>
    <message>
        <location filename="../../desktop/schedule_form.py" line="284"/>
        <source>（不亮灯）</source>
        <translation>(not lit)</translation>
    </message>
    <message>
        <location filename="../../desktop/schedule_form.py" line="310"/>
        <source>夏季</source>
        <translation>Summer</translation>
    </message>
</context>
<context>
    <name>SchedulePresenter</name>
    <message>
        <location filename="../../desktop/schedule_presenter.py" line="178"/>
        <source>版本 %1，%2 于 %3 保存</source>
        <extracomment>Device ids per ``IN (…)`` list when reading online states (SQLite&apos;s variable limit). Stored schedule documents by group code, as last read from the store. The version of the shown group&apos;s stored schedule the form started from (None: the group has none stored): sent as ``base_version``, so a save made from an old version is refused rather than overwriting the newer one. The confirmation waiting for an answer before a save, if any (tests answer it).</extracomment>
        <translation>Version %1, saved by %2 at %3</translation>
    </message>
    <message>
        <location filename="../../desktop/schedule_presenter.py" line="197"/>
        <source>尚无全市默认计划：保存后各分组按此计划开关灯</source>
        <translation>No city default schedule yet: once saved, every group switches by it</translation>
    </message>
    <message>
        <location filename="../../desktop/schedule_presenter.py" line="203"/>
        <source>该分组沿用全市默认计划（%1）；保存即为该分组单独设定计划</source>
        <translation>This group follows the city default schedule (%1); saving gives the group its own schedule</translation>
    </message>
    <message>
        <location filename="../../desktop/schedule_presenter.py" line="214"/>
        <source>该计划已有新版本；您的修改尚未保存，保存时服务器会核对版本</source>
        <translation>This schedule has a newer version; your edits are not saved yet, and the server checks the version when you save</translation>
    </message>
    <message>
        <location filename="../../desktop/schedule_presenter.py" line="258"/>
        <source>未保存：已取消，照明不变（修改仍在表单中）</source>
        <translation>Not saved: cancelled, the lights stay as they are (your edits are still in the form)</translation>
    </message>
    <message>
        <location filename="../../desktop/schedule_presenter.py" line="277"/>
        <source>已提交（版本 %1），服务器确认后照明按新计划开关灯</source>
        <translation>Submitted (version %1); once the server confirms, the lights switch by the new schedule</translation>
    </message>
    <message>
        <location filename="../../desktop/schedule_presenter.py" line="297"/>
        <source>全市默认计划</source>
        <translation>City default schedule</translation>
    </message>
    <message>
        <location filename="../../desktop/schedule_presenter.py" line="303"/>
        <source>保存“%1”后照明将立即按新计划切换：关灯 %2 个回路，调暗 %3 个，开灯或调亮 %4 个</source>
        <translation>Saving &quot;%1&quot; switches the lights by the new schedule at once: %2 circuits off, %3 dimmed, %4 on or brighter</translation>
    </message>
    <message>
        <location filename="../../desktop/schedule_presenter.py" line="334"/>
        <source>照明计划未被接受：%1</source>
        <translation>Lighting schedule not accepted: %1</translation>
    </message>
</context>
<context>
    <name>ShelveDialog</name>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="468"/>
        <source>搁置告警</source>
        <extracomment>The shift&apos;s morning hand-over: &quot;until tomorrow morning&quot; ends a night-time shelf there.</extracomment>
        <translation>Shelve alarm</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="473"/>
        <source>搁置时长：</source>
        <translation>Shelve for:</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="476"/>
        <source>15 分钟</source>
        <translation>15 minutes</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="477"/>
        <source>1 小时</source>
        <translation>1 hour</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="478"/>
        <source>4 小时</source>
        <translation>4 hours</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="479"/>
        <source>至明早 08:00</source>
        <translation>Until 08:00 tomorrow</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="490"/>
        <source>搁置原因（必填）：</source>
        <translation>Reason (required):</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="492"/>
        <source>例如：已派人现场处置，暂停提醒</source>
        <translation>e.g. crew on site, pause the reminders</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="495"/>
        <source>请填写搁置原因</source>
        <translation>Enter a reason for shelving</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="503"/>
        <source>搁置</source>
        <translation>Shelve</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="504"/>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
</context>
<context>
    <name>SubcategoryPickerDialog</name>
    <message>
        <location filename="../../desktop/pickers.py" line="409"/>
        <source>选择问题小类</source>
        <translation>Choose a subcategory</translation>
    </message>
    <message>
        <location filename="../../desktop/pickers.py" line="434"/>
        <source>选择一个小类查看其处置时限</source>
        <translation>Choose a subcategory to see its deadlines</translation>
    </message>
    <message>
        <location filename="../../desktop/pickers.py" line="442"/>
        <source>应急规范 %1（按自然时间计）</source>
        <translation>Emergency rule %1 (calendar time)</translation>
    </message>
    <message>
        <location filename="../../desktop/pickers.py" line="444"/>
        <source>常规（按工作时间计）</source>
        <translation>Regular (working hours)</translation>
    </message>
    <message>
        <location filename="../../desktop/pickers.py" line="448"/>
        <source>规范：</source>
        <translation>Rule: </translation>
    </message>
    <message>
        <location filename="../../desktop/pickers.py" line="451"/>
        <source>时限：</source>
        <translation>Deadlines: </translation>
    </message>
    <message>
        <location filename="../../desktop/pickers.py" line="454"/>
        <source>主管部门类型：</source>
        <translation>Department type: </translation>
    </message>
    <message>
        <location filename="../../desktop/pickers.py" line="457"/>
        <source>立案标准：</source>
        <translation>Filing standard: </translation>
    </message>
    <message>
        <location filename="../../desktop/pickers.py" line="460"/>
        <source>结案标准：</source>
        <translation>Closing standard: </translation>
    </message>
</context>
<context>
    <name>SyncStatus</name>
    <message>
        <location filename="../../desktop/status_bar.py" line="34"/>
        <source>在线</source>
        <translation>Online</translation>
    </message>
    <message>
        <location filename="../../desktop/status_bar.py" line="35"/>
        <source>同步中</source>
        <translation>Syncing</translation>
    </message>
    <message>
        <location filename="../../desktop/status_bar.py" line="36"/>
        <source>离线</source>
        <translation>Offline</translation>
    </message>
    <message>
        <location filename="../../desktop/status_bar.py" line="37"/>
        <source>需重新登录</source>
        <translation>Sign in again</translation>
    </message>
    <message>
        <location filename="../../desktop/status_bar.py" line="38"/>
        <source>同步受阻</source>
        <translation>Sync blocked</translation>
    </message>
</context>
<context>
    <name>SyncStatusBar</name>
    <message>
        <location filename="../../desktop/status_bar.py" line="59"/>
        <source>离线排队数分钟的设备指令需在“设备控制”窗口重新确认或作废，之后的操作才会上传</source>
        <translation>A device command that waited minutes in the offline queue must be re-confirmed or voided in the Device control window before later actions upload</translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop/status_bar.py" line="79"/>
        <source>待上传 %n 条</source>
        <translation>
            <numerusform>%n waiting to upload</numerusform>
            <numerusform>%n waiting to upload</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop/status_bar.py" line="80"/>
        <source>等待设备指令重新确认（%n 条）</source>
        <translation>
            <numerusform>Waiting for a device command to be re-confirmed (%n)</numerusform>
            <numerusform>Waiting for device commands to be re-confirmed (%n)</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../desktop/status_bar.py" line="83"/>
        <source>最后同步 %1</source>
        <translation>Last sync %1</translation>
    </message>
</context>
<context>
    <name>TickerPanel</name>
    <message>
        <location filename="../../widgets/cockpit_panels.py" line="1500"/>
        <source>实时动态</source>
        <translation>Latest events</translation>
    </message>
    <message>
        <location filename="../../widgets/cockpit_panels.py" line="1507"/>
        <source>时间</source>
        <translation>Time</translation>
    </message>
    <message>
        <location filename="../../widgets/cockpit_panels.py" line="1508"/>
        <source>类别</source>
        <translation>Type</translation>
    </message>
    <message>
        <location filename="../../widgets/cockpit_panels.py" line="1509"/>
        <source>内容</source>
        <translation>Note</translation>
    </message>
    <message>
        <location filename="../../widgets/cockpit_panels.py" line="1588"/>
        <source>恢复</source>
        <translation>Cleared</translation>
    </message>
    <message>
        <location filename="../../widgets/cockpit_panels.py" line="1589"/>
        <source>案件</source>
        <translation>Case</translation>
    </message>
    <message>
        <location filename="../../widgets/cockpit_panels.py" line="1590"/>
        <source>结案</source>
        <translation>Closed</translation>
    </message>
    <message>
        <location filename="../../widgets/cockpit_panels.py" line="1591"/>
        <source>指令</source>
        <translation>Command</translation>
    </message>
</context>
<context>
    <name>TrendPanel</name>
    <message>
        <location filename="../../widgets/cockpit_panels.py" line="1068"/>
        <source>24小时趋势 · %1</source>
        <translation>Last 24 h · %1</translation>
    </message>
    <message>
        <location filename="../../widgets/cockpit_panels.py" line="1075"/>
        <source>物联数据</source>
        <translation>IoT readings</translation>
    </message>
    <message>
        <location filename="../../widgets/cockpit_panels.py" line="1075"/>
        <source>条/分钟</source>
        <translation>per minute</translation>
    </message>
    <message>
        <location filename="../../widgets/cockpit_panels.py" line="1076"/>
        <source>上报案件</source>
        <translation>Cases reported</translation>
    </message>
    <message>
        <location filename="../../widgets/cockpit_panels.py" line="1076"/>
        <source>件/小时</source>
        <translation>per hour</translation>
    </message>
    <message>
        <location filename="../../widgets/cockpit_panels.py" line="1077"/>
        <source>按时结案率</source>
        <translation>On-time closing rate</translation>
    </message>
</context>
<context>
    <name>UnitPickerDialog</name>
    <message>
        <location filename="../../desktop/pickers.py" line="313"/>
        <source>选择处置单位</source>
        <translation>Choose a handling unit</translation>
    </message>
    <message>
        <location filename="../../desktop/pickers.py" line="338"/>
        <source>推荐</source>
        <translation>Suggested</translation>
    </message>
    <message>
        <location filename="../../desktop/pickers.py" line="347"/>
        <source>属地（区县 › 街道 › 社区）</source>
        <translation>By area (district › street › community)</translation>
    </message>
    <message>
        <location filename="../../desktop/pickers.py" line="373"/>
        <source>专业部门</source>
        <translation>Departments</translation>
    </message>
</context>
<context>
    <name>WimPanel</name>
    <message>
        <location filename="../../widgets/cockpit_panels.py" line="1366"/>
        <source>桥梁动态称重</source>
        <translation>Bridge weigh-in-motion</translation>
    </message>
    <message>
        <location filename="../../widgets/cockpit_panels.py" line="1375"/>
        <source>时间</source>
        <translation>Time</translation>
    </message>
    <message>
        <location filename="../../widgets/cockpit_panels.py" line="1376"/>
        <source>桥梁</source>
        <translation>Bridges</translation>
    </message>
    <message>
        <location filename="../../widgets/cockpit_panels.py" line="1377"/>
        <source>重量/限重</source>
        <translation>Weight/limit</translation>
    </message>
    <message>
        <location filename="../../widgets/cockpit_panels.py" line="1378"/>
        <source>超限</source>
        <translation>Over</translation>
    </message>
    <message>
        <location filename="../../widgets/cockpit_panels.py" line="1400"/>
        <source>今日超重 %1 辆</source>
        <translation>%1 overweight today</translation>
    </message>
</context>
<context>
    <name>WindowManager</name>
    <message>
        <location filename="../../desktop/window_manager.py" line="52"/>
        <source>%1（%2）</source>
        <translation>%1 (%2)</translation>
    </message>
    <message>
        <location filename="../../desktop/window_manager.py" line="108"/>
        <source>调度工作台</source>
        <translation>Dispatch workstation</translation>
    </message>
    <message>
        <location filename="../../desktop/window_manager.py" line="115"/>
        <source>告警地图</source>
        <translation>Alarm map</translation>
    </message>
    <message>
        <location filename="../../desktop/window_manager.py" line="122"/>
        <source>指挥大屏</source>
        <translation>Video wall</translation>
    </message>
    <message>
        <location filename="../../desktop/window_manager.py" line="129"/>
        <source>设备控制</source>
        <translation>Device control</translation>
    </message>
    <message>
        <location filename="../../desktop/window_manager.py" line="136"/>
        <source>考核排名</source>
        <translation>District ranking</translation>
    </message>
    <message>
        <location filename="../../desktop/window_manager.py" line="203"/>
        <source>您的角色没有可打开的窗口</source>
        <translation>Your role has no window to open</translation>
    </message>
    <message>
        <location filename="../../desktop/window_manager.py" line="231"/>
        <source>界面语言已保存，下次启动时生效</source>
        <translation>Language saved; it applies at the next start</translation>
    </message>
</context>
<context>
    <name>WorkstationPresenter</name>
    <message>
        <location filename="../../desktop/workstation_presenter.py" line="176"/>
        <source>共 %1 件</source>
        <extracomment>Nearby open cases of the same kind within this distance are offered as duplicates. Every task not yet done, replaced ones included: ``stop`` waits for them all (a cancelled task that never ran would otherwise outlive the loop, never awaited). Set once the first queue is on screen (tests and the smoke run wait on it).</extracomment>
        <translation>%1 cases</translation>
    </message>
    <message>
        <location filename="../../desktop/workstation_presenter.py" line="197"/>
        <source>被拒绝</source>
        <translation>refused</translation>
    </message>
    <message>
        <location filename="../../desktop/workstation_presenter.py" line="210"/>
        <source>重新登录</source>
        <translation>Sign in again</translation>
    </message>
    <message>
        <location filename="../../desktop/workstation_presenter.py" line="211"/>
        <source>用户 %1 的密码</source>
        <translation>Password of user %1</translation>
    </message>
    <message>
        <location filename="../../desktop/workstation_presenter.py" line="314"/>
        <source>新案件已提交：%1</source>
        <translation>New case submitted: %1</translation>
    </message>
</context>
<context>
    <name>WorkstationWindow</name>
    <message>
        <location filename="../../desktop/workstation.py" line="60"/>
        <source>城市运行指挥大厅 — 调度工作台</source>
        <translation>City Operations Command Center — Dispatch workstation</translation>
    </message>
    <message>
        <location filename="../../desktop/workstation.py" line="106"/>
        <source>实时告警</source>
        <translation>Live alarms</translation>
    </message>
    <message>
        <location filename="../../desktop/workstation.py" line="117"/>
        <source>案件(&amp;C)</source>
        <translation>&amp;Cases</translation>
    </message>
    <message>
        <location filename="../../desktop/workstation.py" line="118"/>
        <source>新建案件…</source>
        <translation>New case…</translation>
    </message>
    <message>
        <location filename="../../desktop/workstation.py" line="135"/>
        <source>视图(&amp;V)</source>
        <translation>&amp;View</translation>
    </message>
    <message>
        <location filename="../../desktop/workstation.py" line="136"/>
        <source>搜索</source>
        <translation>Search</translation>
    </message>
    <message>
        <location filename="../../desktop/workstation.py" line="148"/>
        <source>窗口(&amp;W)</source>
        <translation>&amp;Window</translation>
    </message>
    <message>
        <location filename="../../desktop/workstation.py" line="149"/>
        <source>设置(&amp;S)</source>
        <translation>&amp;Settings</translation>
    </message>
</context>
<context>
    <name>_TreePickerDialog</name>
    <message>
        <location filename="../../desktop/pickers.py" line="153"/>
        <source>名称</source>
        <translation>Name</translation>
    </message>
    <message>
        <location filename="../../desktop/pickers.py" line="153"/>
        <source>代码</source>
        <translation>Code</translation>
    </message>
    <message>
        <location filename="../../desktop/pickers.py" line="167"/>
        <source>输入名称或代码筛选，↑↓ 选择，回车确定</source>
        <translation>Type a name or code to filter, ↑↓ to move, Enter to choose</translation>
    </message>
    <message>
        <location filename="../../desktop/pickers.py" line="295"/>
        <source>请先选择一项（分组标题不能选）</source>
        <translation>Choose an item first (group headings cannot be chosen)</translation>
    </message>
</context>
</TS>
