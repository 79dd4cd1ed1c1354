<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US" sourcelanguage="zh_CN">
<context>
    <name>AlarmDetailPane</name>
    <message>
        <location filename="../../desktop/alarm_map.py" line="82"/>
        <source>点击地图上的告警查看详情</source>
        <extracomment>The states the state menu offers, and which of them are on when the window opens (shelved ones are off, as in the queue: they were put aside on purpose).</extracomment>
        <translation>Click an alarm on the map for its details</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_map.py" line="90"/>
        <source>确认 (A)</source>
        <translation>Acknowledge (A)</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_map.py" line="91"/>
        <source>搁置… (S)</source>
        <translation>Shelve… (S)</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_map.py" line="92"/>
        <source>取消搁置 (U)</source>
        <translation>Unshelve (U)</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_map.py" line="93"/>
        <source>转案件 (C)</source>
        <translation>Convert to case (C)</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_map.py" line="115"/>
        <source>（已关闭）</source>
        <translation>(closed)</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_map.py" line="126"/>
        <source>状态：</source>
        <translation>State: </translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_map.py" line="127"/>
        <source>设备：</source>
        <translation>Device: </translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_map.py" line="128"/>
        <source>区县：</source>
        <translation>District: </translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_map.py" line="129"/>
        <source>读数：</source>
        <translation>Reading: </translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_map.py" line="130"/>
        <source>首次告警：%1（%2）· ×%3</source>
        <translation>First raised: %1 (%2) · ×%3</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_map.py" line="137"/>
        <source>已转案件：</source>
        <translation>Converted to case: </translation>
    </message>
</context>
<context>
    <name>AlarmIntents</name>
    <message>
        <location filename="../../desktop/alarm_intents.py" line="158"/>
        <source>已提交转案件，案件编号 %1</source>
        <extracomment>Who acts here (the session&apos;s user): the optimistic rows are made in their name.</extracomment>
        <translation>Sent for conversion: case %1</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_intents.py" line="170"/>
        <source>确认告警</source>
        <translation>Acknowledge alarm</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_intents.py" line="171"/>
        <source>搁置告警</source>
        <translation>Shelve alarm</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_intents.py" line="172"/>
        <source>取消搁置</source>
        <translation>Unshelve</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_intents.py" line="173"/>
        <source>转案件</source>
        <translation>Convert to case</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_intents.py" line="176"/>
        <source>%1未成功：%2</source>
        <translation>%1 failed: %2</translation>
    </message>
</context>
<context>
    <name>AlarmMapFeed</name>
    <message>
        <location filename="../../desktop/alarm_map_feed.py" line="232"/>
        <source>图例</source>
        <extracomment>Following new critical alarms, the map stays at least this long on one (seconds): in a storm a map that jumps with every new alarm cannot be read.</extracomment>
        <translation>Legend</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_map_feed.py" line="235"/>
        <source>燃气</source>
        <translation>Gas</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_map_feed.py" line="236"/>
        <source>供排水、积水</source>
        <translation>Water supply, drainage, flooding</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_map_feed.py" line="237"/>
        <source>地下空间、井盖</source>
        <translation>Underground, manhole covers</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_map_feed.py" line="238"/>
        <source>桥梁</source>
        <translation>Bridges</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_map_feed.py" line="239"/>
        <source>设备离线</source>
        <translation>Device offline</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_map_feed.py" line="241"/>
        <source>已确认（淡色）</source>
        <translation>Acknowledged (faded)</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_map_feed.py" line="242"/>
        <source>已搁置</source>
        <translation>Shelved</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_map_feed.py" line="243"/>
        <source>案件（紫圈）</source>
        <translation>Cases (purple ring)</translation>
    </message>
</context>
<context>
    <name>AlarmMapPresenter</name>
    <message>
        <location filename="../../desktop/alarm_map_presenter.py" line="269"/>
        <source>案件 · %1</source>
        <extracomment>How often the pop-up&apos;s sound repeats while a critical alarm waits for acknowledgement.</extracomment>
        <translation>Case · %1</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_map_presenter.py" line="276"/>
        <source>编号：</source>
        <translation>Id: </translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_map_presenter.py" line="309"/>
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
        <location filename="../../desktop/alarm_map.py" line="336"/>
        <source>导出地图…</source>
        <translation>Export map…</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_map.py" line="332"/>
        <source>在地图上查看</source>
        <translation>Show on the map</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_map.py" line="335"/>
        <source>文件(&amp;F)</source>
        <translation>&amp;File</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_map.py" line="341"/>
        <source>告警(&amp;A)</source>
        <translation>&amp;Alarm</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_map.py" line="344"/>
        <source>确认</source>
        <translation>Acknowledge</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_map.py" line="345"/>
        <source>搁置…</source>
        <translation>Shelve…</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_map.py" line="346"/>
        <source>取消搁置</source>
        <translation>Unshelve</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_map.py" line="347"/>
        <source>转案件</source>
        <translation>Convert to case</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_map.py" line="354"/>
        <source>视图(&amp;V)</source>
        <translation>&amp;View</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_map.py" line="366"/>
        <source>窗口(&amp;W)</source>
        <translation>&amp;Window</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_map.py" line="367"/>
        <source>设置(&amp;S)</source>
        <translation>&amp;Settings</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_map.py" line="390"/>
        <source>地图显示 %1 条 / 共 %2 条告警</source>
        <translation>Map shows %1 of %2 alarms</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_map.py" line="393"/>
        <source>%1 条无位置（仅在列表中）</source>
        <translation>%1 without a position (in the list only)</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_map.py" line="411"/>
        <source>导出地图</source>
        <translation>Export map</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_map.py" line="411"/>
        <source>网页 (*.html)</source>
        <translation>Web page (*.html)</translation>
    </message>
</context>
<context>
    <name>AlarmQueuePanel</name>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="106"/>
        <source>%1（%2）</source>
        <extracomment>Hall colours per severity (the wall and the map use the same four). States listed in the queue; shelved ones only behind the toggle. Closed and out-of-service alarms are not the dispatcher&apos;s to handle. How often the alert beeps while a critical alarm waits for its acknowledgement. Ages on the cards are minutes: a repaint twice a minute keeps them right.</extracomment>
        <translation>%1 (%2)</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="137"/>
        <source>刚刚</source>
        <translation>just now</translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop/alarm_panel.py" line="141"/>
        <source>%n 分钟前</source>
        <translation>
            <numerusform>%n min ago</numerusform>
            <numerusform>%n min ago</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop/alarm_panel.py" line="144"/>
        <source>%n 小时前</source>
        <translation>
            <numerusform>%n hour ago</numerusform>
            <numerusform>%n hours ago</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop/alarm_panel.py" line="146"/>
        <source>%n 天前</source>
        <translation>
            <numerusform>%n day ago</numerusform>
            <numerusform>%n days ago</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="203"/>
        <source>阈值</source>
        <translation>threshold</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="246"/>
        <source>状态：</source>
        <translation>State: </translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="250"/>
        <source>搁置原因：</source>
        <translation>Shelve reason: </translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="253"/>
        <source>已转案件：</source>
        <translation>Converted to case: </translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="407"/>
        <source>已转案件</source>
        <translation>→ case</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="415"/>
        <source>搁置至 </source>
        <translation>Shelved until </translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="418"/>
        <source>已恢复 · </source>
        <translation>Cleared · </translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="421"/>
        <source>已恢复·未确认</source>
        <translation>Cleared · unacked</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="422"/>
        <source>未确认</source>
        <translation>Unacked</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="669"/>
        <source>未搁置的%1告警数</source>
        <extracomment>Panel-wide keys (they act while the focus is in the panel, which has no text field).</extracomment>
        <translation>%1 alarms not shelved</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="675"/>
        <source>切换显示已搁置的告警</source>
        <translation>Show or hide shelved alarms</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="686"/>
        <source>关闭提示</source>
        <translation>Dismiss</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="712"/>
        <source>确认 (A)</source>
        <translation>Acknowledge (A)</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="713"/>
        <source>确认所选告警（A 或 Ctrl+K）</source>
        <translation>Acknowledge the selected alarms (A or Ctrl+K)</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="714"/>
        <source>搁置… (S)</source>
        <translation>Shelve… (S)</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="715"/>
        <source>搁置所选告警一段时间，需填写原因（S）</source>
        <translation>Shelve the selected alarms for a while; a reason is required (S)</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="716"/>
        <source>取消搁置 (U)</source>
        <translation>Unshelve (U)</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="717"/>
        <source>让所选的已搁置告警重新显示（U）</source>
        <translation>Show the selected shelved alarms again (U)</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="718"/>
        <source>转案件 (C)</source>
        <translation>To case (C)</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="719"/>
        <source>把所选告警转为案件处理（C）</source>
        <translation>Convert the selected alarms into cases (C)</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="868"/>
        <source>没有已搁置的告警</source>
        <translation>No shelved alarms</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="868"/>
        <source>当前没有活动告警</source>
        <translation>No active alarms</translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop/alarm_panel.py" line="877"/>
        <source>返回活动告警 (%n)</source>
        <translation>
            <numerusform>Back to active (%n)</numerusform>
            <numerusform>Back to active (%n)</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop/alarm_panel.py" line="879"/>
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
        <source>添加备注</source>
        <translation>Add note</translation>
    </message>
    <message>
        <location filename="../../desktop/case_actions.py" line="162"/>
        <source>所选案件当前不能执行“%1”</source>
        <extracomment>What the user must give: &quot;unit&quot;, &quot;subcategory&quot;, &quot;reward&quot;, &quot;reason:&lt;field&gt;&quot;, &quot;text:&lt;field&gt;&quot;, &quot;case:&lt;field&gt;&quot; (another case&apos;s id) or &quot;&quot; (nothing).</extracomment>
        <translation>“%1” is not possible for the selected cases now</translation>
    </message>
    <message>
        <location filename="../../desktop/case_actions.py" line="191"/>
        <source>；</source>
        <translation>; </translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop/case_actions.py" line="193"/>
        <source>“%1”已提交 %n 件</source>
        <translation>
            <numerusform>“%1” sent for %n case</numerusform>
            <numerusform>“%1” sent for %n cases</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../desktop/case_actions.py" line="216"/>
        <source>原案件编号</source>
        <translation>Number of the original case</translation>
    </message>
    <message>
        <location filename="../../desktop/case_actions.py" line="216"/>
        <source>内容</source>
        <translation>Note</translation>
    </message>
    <message>
        <location filename="../../desktop/case_actions.py" line="253"/>
        <source>请填写原因</source>
        <translation>Please give a reason</translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop/case_actions.py" line="261"/>
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
        <location filename="../../desktop/case_detail.py" line="114"/>
        <source>签收</source>
        <translation>Accept</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="115"/>
        <source>响应</source>
        <translation>Respond</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="116"/>
        <source>到场</source>
        <translation>Arrive</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="117"/>
        <source>处置</source>
        <translation>Resolve</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="121"/>
        <source>未开始</source>
        <translation>Not started</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="122"/>
        <source>计时中</source>
        <translation>Running</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="123"/>
        <source>已暂停</source>
        <translation>Paused</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="124"/>
        <source>按时完成</source>
        <translation>Met</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="125"/>
        <source>已超时</source>
        <translation>Overdue</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="126"/>
        <source>超时完成</source>
        <translation>Met late</translation>
    </message>
</context>
<context>
    <name>CaseDetailPanel</name>
    <message numerus="yes">
        <location filename="../../desktop/case_detail.py" line="229"/>
        <source>%n 个工作日</source>
        <extracomment>A running clock with less than this share of its limit left is shown in amber.</extracomment>
        <translation>
            <numerusform>%n working day</numerusform>
            <numerusform>%n working days</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop/case_detail.py" line="231"/>
        <source>%n 工作小时</source>
        <translation>
            <numerusform>%n working hour</numerusform>
            <numerusform>%n working hours</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="232"/>
        <source>%1 工作分钟</source>
        <translation>%1 working min</translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop/case_detail.py" line="236"/>
        <source>%n 小时</source>
        <translation>
            <numerusform>%n hour</numerusform>
            <numerusform>%n hours</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="237"/>
        <source>%1 分钟</source>
        <translation>%1 min</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="392"/>
        <source>在左侧列表中选择一个案件查看详情</source>
        <translation>Select a case in the list to see its details</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="419"/>
        <source>基本信息</source>
        <translation>Details</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="425"/>
        <source>来源</source>
        <translation>Source</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="426"/>
        <source>上报人</source>
        <translation>Reported by</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="427"/>
        <source>上报时间</source>
        <translation>Reported at</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="428"/>
        <source>问题描述</source>
        <translation>Description</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="429"/>
        <location filename="../../desktop/case_detail.py" line="802"/>
        <source>地址</source>
        <translation>Address</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="430"/>
        <source>所在区域</source>
        <translation>Area</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="431"/>
        <source>问题小类</source>
        <translation>Subcategory</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="432"/>
        <source>处置单位</source>
        <translation>Handling unit</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="433"/>
        <source>督办级别</source>
        <translation>Escalation</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="434"/>
        <source>返工 / 退回</source>
        <translation>Rework / returns</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="435"/>
        <source>办结</source>
        <translation>Ended</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="440"/>
        <source>%1：</source>
        <translation>%1:</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="444"/>
        <source>处置时限</source>
        <translation>Deadlines</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="454"/>
        <source>位置</source>
        <translation>Location</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="461"/>
        <location filename="../../desktop/case_detail.py" line="714"/>
        <source>疑似重复</source>
        <translation>Possible duplicates</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="465"/>
        <source>处理过程</source>
        <translation>History</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="527"/>
        <source>%1（%2）</source>
        <translation>%1 (%2)</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="534"/>
        <source>案件 </source>
        <translation>Case </translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="544"/>
        <source>督办 %1 级</source>
        <translation>Escalated, level %1</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="557"/>
        <source>%1 元</source>
        <translation>%1 yuan</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="562"/>
        <source>（未填写）</source>
        <translation>(not given)</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="575"/>
        <source>（未立案）</source>
        <translation>(not filed)</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="582"/>
        <source>应急规范 %s</source>
        <translation>emergency rule %s</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="584"/>
        <source>（未派遣）</source>
        <translation>(not dispatched)</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="587"/>
        <source>%1 级</source>
        <translation>Level %1</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="587"/>
        <source>未升级</source>
        <translation>Not escalated</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="591"/>
        <source>返工 %1 次，退回 %2 次</source>
        <translation>Reworked %1×, returned %2×</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="599"/>
        <source>重复于 </source>
        <translation>duplicate of </translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="613"/>
        <source>立案后按问题小类计算时限</source>
        <translation>Deadlines start when the case is filed (by subcategory)</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="618"/>
        <source>环节</source>
        <translation>Stage</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="618"/>
        <source>时限</source>
        <translation>Limit</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="618"/>
        <source>截止时间</source>
        <translation>Due</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="618"/>
        <source>剩余 / 状态</source>
        <translation>Left / status</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="646"/>
        <source>至今</source>
        <translation>now</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="649"/>
        <source>挂起 </source>
        <translation>Suspended </translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="651"/>
        <source>：%1</source>
        <translation>: %1</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="661"/>
        <source>恢复后计算</source>
        <translation>Set when resumed</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="712"/>
        <source>疑似重复（%1）</source>
        <translation>Possible duplicates (%1)</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="718"/>
        <source>附近 %1 米内没有同类未结案件</source>
        <translation>No open case of this kind within %1 m</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="753"/>
        <source>标记重复</source>
        <translation>Mark duplicate</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="758"/>
        <source>将 %1 标记为 %2 的重复案件</source>
        <translation>Mark %1 as a duplicate of %2</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="767"/>
        <source>两案均已派遣或办结，不能再标记重复</source>
        <translation>Both cases are dispatched or ended: neither can be marked duplicate</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="777"/>
        <source>处置单位：</source>
        <translation>Unit: </translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="781"/>
        <source>问题小类：</source>
        <translation>Subcategory: </translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="783"/>
        <source>原因：</source>
        <translation>Reason: </translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="785"/>
        <source>备注：</source>
        <translation>Note: </translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="787"/>
        <source>处置反馈：</source>
        <translation>Feedback: </translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="789"/>
        <source>督办级别：%1 级</source>
        <translation>Escalation level: %1</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="791"/>
        <source>重复于：</source>
        <translation>Duplicate of: </translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="793"/>
        <source>恢复至：</source>
        <translation>Resumed to: </translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="795"/>
        <source>来源：</source>
        <translation>Source: </translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="798"/>
        <source>返工后重新签收</source>
        <translation>Accepted again after rework</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="801"/>
        <source>描述</source>
        <translation>description</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="803"/>
        <source>经度</source>
        <translation>longitude</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="804"/>
        <source>纬度</source>
        <translation>latitude</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="806"/>
        <source>、</source>
        <translation>, </translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="807"/>
        <source>修改：</source>
        <translation>Changed: </translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="809"/>
        <source>%1：%2</source>
        <translation>%1: %2</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="816"/>
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
        <source>添加备注</source>
        <translation>Note added</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="110"/>
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
        <location filename="../../desktop/case_detail.py" line="130"/>
        <source>未申请奖励</source>
        <translation>no reward claimed</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="131"/>
        <source>奖励待审核</source>
        <translation>reward under review</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="132"/>
        <source>奖励已核准</source>
        <translation>reward approved</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="133"/>
        <source>奖励已发放</source>
        <translation>reward paid</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="134"/>
        <source>奖励未通过</source>
        <translation>reward refused</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="245"/>
        <source>（工作时间）</source>
        <translation> (working time)</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="249"/>
        <source>未开始计时</source>
        <translation>Not started</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="253"/>
        <source>剩余 %1</source>
        <translation>%1 left</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="257"/>
        <source>超时 %1</source>
        <translation>Overdue %1</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="262"/>
        <source>暂停（已超时 %1）</source>
        <translation>Paused (overdue %1)</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="264"/>
        <source>暂停，剩余 %1</source>
        <translation>Paused, %1 left</translation>
    </message>
    <message>
        <location filename="../../desktop/case_detail.py" line="266"/>
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
        <location filename="../../desktop/cockpit_presenter.py" line="253"/>
        <source>● 在线 · 数据截至 %1</source>
        <extracomment>A snapshot is read at least this often even when nothing changed (series move each minute). The wall&apos;s map returns to the whole city this long after it last followed an alarm. Only a live stream means the store holds what the server holds: SYNCING is also each retry&apos;s first moment while the server is down (it must not make stale data look fresh again). After following an alarm the wall goes back to the whole city (its overview).</extracomment>
        <translation>● Online · data as of %1</translation>
    </message>
    <message>
        <location filename="../../desktop/cockpit_presenter.py" line="255"/>
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
    <name>CriticalAlarmPopup</name>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="552"/>
        <source>紧急告警</source>
        <translation>Critical alarm</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="557"/>
        <source>⚠ 紧急告警 · 请立即确认</source>
        <translation>⚠ Critical alarm · acknowledge now</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="578"/>
        <source>在列表中查看</source>
        <translation>Show in list</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="579"/>
        <source>确认告警</source>
        <translation>Acknowledge</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="598"/>
        <source>设备：</source>
        <translation>Device: </translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="601"/>
        <source>读数：</source>
        <translation>Reading: </translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="604"/>
        <source>首次告警：%1（%2）· ×%3</source>
        <translation>First raised: %1 (%2) · ×%3</translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop/alarm_panel.py" line="609"/>
        <source>另有 %n 条紧急告警未确认</source>
        <translation>
            <numerusform>%n more critical alarm unacknowledged</numerusform>
            <numerusform>%n more critical alarms unacknowledged</numerusform>
        </translation>
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
    <name>Dialogs</name>
    <message>
        <location filename="../../desktop/pickers.py" line="134"/>
        <source>确定</source>
        <translation>OK</translation>
    </message>
    <message>
        <location filename="../../desktop/pickers.py" line="136"/>
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
        <location filename="../../desktop/status_bar.py" line="84"/>
        <source>重新登录</source>
        <translation>Sign in again</translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop/status_bar.py" line="95"/>
        <source>离线工作中：操作已保存在本机，恢复连接后自动上传（待上传 %n 条）</source>
        <translation>
            <numerusform>Working offline: your actions are saved on this computer and go up when the link is back (%n waiting to upload)</numerusform>
            <numerusform>Working offline: your actions are saved on this computer and go up when the link is back (%n waiting to upload)</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop/status_bar.py" line="101"/>
        <source>登录已失效：操作仍保存在本机（待上传 %n 条），请重新登录后上传</source>
        <translation>
            <numerusform>Sign-in expired: your actions are still saved here (%n waiting to upload); sign in again to upload them</numerusform>
            <numerusform>Sign-in expired: your actions are still saved here (%n waiting to upload); sign in again to upload them</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../desktop/status_bar.py" line="104"/>
        <source>同步受阻，请联系系统管理员：</source>
        <translation>Sync is blocked, contact your system administrator: </translation>
    </message>
</context>
<context>
    <name>ReasonDialog</name>
    <message>
        <location filename="../../desktop/pickers.py" line="501"/>
        <source>请填写原因</source>
        <translation>Enter a reason</translation>
    </message>
    <message>
        <location filename="../../desktop/pickers.py" line="504"/>
        <source>原因最多 %1 字（当前 %2 字）</source>
        <translation>The reason may have at most %1 characters (now %2)</translation>
    </message>
</context>
<context>
    <name>RewardDialog</name>
    <message>
        <location filename="../../desktop/pickers.py" line="521"/>
        <source>奖励审定</source>
        <translation>Decide reward</translation>
    </message>
    <message>
        <location filename="../../desktop/pickers.py" line="523"/>
        <source>举报属实，给予奖励</source>
        <translation>Report confirmed: grant a reward</translation>
    </message>
    <message>
        <location filename="../../desktop/pickers.py" line="524"/>
        <source>不予奖励</source>
        <translation>No reward</translation>
    </message>
    <message>
        <location filename="../../desktop/pickers.py" line="528"/>
        <source>奖励金额（元）</source>
        <translation>Amount (yuan)</translation>
    </message>
    <message>
        <location filename="../../desktop/pickers.py" line="538"/>
        <source>说明（不予奖励时必填）</source>
        <translation>Note (required when refusing)</translation>
    </message>
    <message>
        <location filename="../../desktop/pickers.py" line="567"/>
        <source>不予奖励时请说明原因</source>
        <translation>Say why no reward is given</translation>
    </message>
</context>
<context>
    <name>ShelveDialog</name>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="467"/>
        <source>搁置告警</source>
        <extracomment>The shift&apos;s morning hand-over: &quot;until tomorrow morning&quot; ends a night-time shelf there.</extracomment>
        <translation>Shelve alarm</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="472"/>
        <source>搁置时长：</source>
        <translation>Shelve for:</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="475"/>
        <source>15 分钟</source>
        <translation>15 minutes</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="476"/>
        <source>1 小时</source>
        <translation>1 hour</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="477"/>
        <source>4 小时</source>
        <translation>4 hours</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="478"/>
        <source>至明早 08:00</source>
        <translation>Until 08:00 tomorrow</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="489"/>
        <source>搁置原因（必填）：</source>
        <translation>Reason (required):</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="491"/>
        <source>例如：已派人现场处置，暂停提醒</source>
        <translation>e.g. crew on site, pause the reminders</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="494"/>
        <source>请填写搁置原因</source>
        <translation>Enter a reason for shelving</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="502"/>
        <source>搁置</source>
        <translation>Shelve</translation>
    </message>
    <message>
        <location filename="../../desktop/alarm_panel.py" line="503"/>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
</context>
<context>
    <name>SubcategoryPickerDialog</name>
    <message>
        <location filename="../../desktop/pickers.py" line="406"/>
        <source>选择问题小类</source>
        <translation>Choose a subcategory</translation>
    </message>
    <message>
        <location filename="../../desktop/pickers.py" line="431"/>
        <source>选择一个小类查看其处置时限</source>
        <translation>Choose a subcategory to see its deadlines</translation>
    </message>
    <message>
        <location filename="../../desktop/pickers.py" line="439"/>
        <source>应急规范 %1（按自然时间计）</source>
        <translation>Emergency rule %1 (calendar time)</translation>
    </message>
    <message>
        <location filename="../../desktop/pickers.py" line="441"/>
        <source>常规（按工作时间计）</source>
        <translation>Regular (working hours)</translation>
    </message>
    <message>
        <location filename="../../desktop/pickers.py" line="445"/>
        <source>规范：</source>
        <translation>Rule: </translation>
    </message>
    <message>
        <location filename="../../desktop/pickers.py" line="448"/>
        <source>时限：</source>
        <translation>Deadlines: </translation>
    </message>
    <message>
        <location filename="../../desktop/pickers.py" line="451"/>
        <source>主管部门类型：</source>
        <translation>Department type: </translation>
    </message>
    <message>
        <location filename="../../desktop/pickers.py" line="454"/>
        <source>立案标准：</source>
        <translation>Filing standard: </translation>
    </message>
    <message>
        <location filename="../../desktop/pickers.py" line="457"/>
        <source>结案标准：</source>
        <translation>Closing standard: </translation>
    </message>
</context>
<context>
    <name>SyncStatus</name>
    <message>
        <location filename="../../desktop/status_bar.py" line="31"/>
        <source>在线</source>
        <translation>Online</translation>
    </message>
    <message>
        <location filename="../../desktop/status_bar.py" line="32"/>
        <source>同步中</source>
        <translation>Syncing</translation>
    </message>
    <message>
        <location filename="../../desktop/status_bar.py" line="33"/>
        <source>离线</source>
        <translation>Offline</translation>
    </message>
    <message>
        <location filename="../../desktop/status_bar.py" line="34"/>
        <source>需重新登录</source>
        <translation>Sign in again</translation>
    </message>
    <message>
        <location filename="../../desktop/status_bar.py" line="35"/>
        <source>同步受阻</source>
        <translation>Sync blocked</translation>
    </message>
</context>
<context>
    <name>SyncStatusBar</name>
    <message numerus="yes">
        <location filename="../../desktop/status_bar.py" line="65"/>
        <source>待上传 %n 条</source>
        <translation>
            <numerusform>%n waiting to upload</numerusform>
            <numerusform>%n waiting to upload</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../desktop/status_bar.py" line="67"/>
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
        <location filename="../../desktop/pickers.py" line="310"/>
        <source>选择处置单位</source>
        <translation>Choose a handling unit</translation>
    </message>
    <message>
        <location filename="../../desktop/pickers.py" line="335"/>
        <source>推荐</source>
        <translation>Suggested</translation>
    </message>
    <message>
        <location filename="../../desktop/pickers.py" line="344"/>
        <source>属地（区县 › 街道 › 社区）</source>
        <translation>By area (district › street › community)</translation>
    </message>
    <message>
        <location filename="../../desktop/pickers.py" line="370"/>
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
        <location filename="../../desktop/window_manager.py" line="65"/>
        <source>%1（%2）</source>
        <translation>%1 (%2)</translation>
    </message>
    <message>
        <location filename="../../desktop/window_manager.py" line="85"/>
        <source>调度工作台</source>
        <translation>Dispatch workstation</translation>
    </message>
    <message>
        <location filename="../../desktop/window_manager.py" line="92"/>
        <source>告警地图</source>
        <translation>Alarm map</translation>
    </message>
    <message>
        <location filename="../../desktop/window_manager.py" line="99"/>
        <source>指挥大屏</source>
        <translation>Video wall</translation>
    </message>
    <message>
        <location filename="../../desktop/window_manager.py" line="155"/>
        <source>您的角色没有可打开的窗口</source>
        <translation>Your role has no window to open</translation>
    </message>
    <message>
        <location filename="../../desktop/window_manager.py" line="183"/>
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
        <location filename="../../desktop/workstation.py" line="55"/>
        <source>城市运行指挥大厅 — 调度工作台</source>
        <translation>City Operations Command Center — Dispatch workstation</translation>
    </message>
    <message>
        <location filename="../../desktop/workstation.py" line="105"/>
        <source>实时告警</source>
        <translation>Live alarms</translation>
    </message>
    <message>
        <location filename="../../desktop/workstation.py" line="116"/>
        <source>案件(&amp;C)</source>
        <translation>&amp;Cases</translation>
    </message>
    <message>
        <location filename="../../desktop/workstation.py" line="117"/>
        <source>新建案件…</source>
        <translation>New case…</translation>
    </message>
    <message>
        <location filename="../../desktop/workstation.py" line="134"/>
        <source>视图(&amp;V)</source>
        <translation>&amp;View</translation>
    </message>
    <message>
        <location filename="../../desktop/workstation.py" line="135"/>
        <source>搜索</source>
        <translation>Search</translation>
    </message>
    <message>
        <location filename="../../desktop/workstation.py" line="147"/>
        <source>窗口(&amp;W)</source>
        <translation>&amp;Window</translation>
    </message>
    <message>
        <location filename="../../desktop/workstation.py" line="148"/>
        <source>设置(&amp;S)</source>
        <translation>&amp;Settings</translation>
    </message>
</context>
<context>
    <name>_TreePickerDialog</name>
    <message>
        <location filename="../../desktop/pickers.py" line="150"/>
        <source>名称</source>
        <translation>Name</translation>
    </message>
    <message>
        <location filename="../../desktop/pickers.py" line="150"/>
        <source>代码</source>
        <translation>Code</translation>
    </message>
    <message>
        <location filename="../../desktop/pickers.py" line="164"/>
        <source>输入名称或代码筛选，↑↓ 选择，回车确定</source>
        <translation>Type a name or code to filter, ↑↓ to move, Enter to choose</translation>
    </message>
    <message>
        <location filename="../../desktop/pickers.py" line="292"/>
        <source>请先选择一项（分组标题不能选）</source>
        <translation>Choose an item first (group headings cannot be chosen)</translation>
    </message>
</context>
</TS>
