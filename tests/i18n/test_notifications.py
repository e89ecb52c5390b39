"""Each recipient reads a notification in their own language, with times in their own zone and a link back."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.utils import translation

from escalation.models import Incident
from escalation.notifications import alert_about_incident
from invoices.models import InvoiceStatus
from invoices.notifications import notify_reviewers
from supportdesk.models import Notification
from tests.factories import AgentFactory, CustomerFactory, InvoiceFactory, ManagerFactory, TicketFactory
from tickets.models import EventKind, Status, TicketEvent
from tickets.notifications import deliver_for_event

MONDAY_0930_UTC = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def mail_to(mailoutbox, user):
    [message] = [m for m in mailoutbox if m.to == [user.email]]
    return message


def test_a_spanish_customer_and_a_chinese_agent_each_read_the_same_reply_in_their_language_and_zone(billing, maria, mailoutbox):
    # given a ticket of Lucía's (Madrid) held by Wei (Shanghai), and a reply from Maria
    lucia = CustomerFactory(username="lucia", language="es", time_zone="Europe/Madrid")
    wei = AgentFactory(username="wei", team=billing, language="zh-hans", time_zone="Asia/Shanghai")
    ticket = TicketFactory(customer=lucia, assignee=wei, team=billing, status=Status.OPEN, subject="Factura de marzo")
    event = TicketEvent.objects.create(
        ticket=ticket, at=MONDAY_0930_UTC, actor=maria, kind=EventKind.REPLY, detail="Ya está emitida.", public=True,
    )
    # when the worker (speaking English) delivers it
    with translation.override("en"):
        assert deliver_for_event(event.pk) == 2
    # then each reads it in their language, at the time on their own clock
    to_lucia, to_wei = mail_to(mailoutbox, lucia), mail_to(mailoutbox, wei)
    assert to_lucia.subject == f"[{ticket.reference}] Respuesta pública: Factura de marzo"
    assert to_wei.subject == f"[{ticket.reference}] 公开回复：Factura de marzo"
    assert "Cuándo: 2 de marzo de 2026 a las 10:30 CET" in to_lucia.body
    assert "时间：2026年3月2日 17:30 CST" in to_wei.body
    # and the in-app rows say the same
    assert Notification.objects.get(recipient=lucia).subject == to_lucia.subject
    assert "17:30" in Notification.objects.get(recipient=wei).body
    # and each email links back to the page, absolutely
    assert f"Consúltelo aquí: {settings.SITE_URL}/my/tickets/{ticket.pk}/" in to_lucia.body
    assert f"在此查看：{settings.SITE_URL}/agent/tickets/{ticket.pk}/" in to_wei.body


def test_reviewers_read_the_amount_as_their_language_writes_numbers(db, mailoutbox):
    # given two invoice reviewers and a large invoice waiting for review
    wang = ManagerFactory(username="wang", expertise=["invoice"], language="zh-hans", time_zone="Asia/Shanghai")
    pilar = ManagerFactory(username="pilar", expertise=["invoice"], language="es", time_zone="Europe/Madrid")
    invoice = InvoiceFactory(amount=Decimal("10300.00"), currency="CNY", status=InvoiceStatus.PENDING_REVIEW)
    # when
    with translation.override("en"):
        assert notify_reviewers(invoice.pk) == 2
    # then
    assert "10300.00 CNY" in mail_to(mailoutbox, wang).subject and "需要审核" in mail_to(mailoutbox, wang).subject
    assert "10\xa0300,00 CNY" in mail_to(mailoutbox, pilar).subject and "Revisión necesaria" in mail_to(mailoutbox, pilar).subject
    assert f"{settings.SITE_URL}/" in mail_to(mailoutbox, pilar).body


def test_managers_read_an_incident_in_their_language_with_its_times_in_their_zone(db, mailoutbox):
    # given
    minsu = ManagerFactory(username="minsu", language="ko", time_zone="Asia/Seoul")
    pilar = ManagerFactory(username="pilar", language="es", time_zone="Europe/Madrid")
    incident = Incident.objects.create(
        title="Gateway down", public_message="Invoices are delayed.",
        started_at=MONDAY_0930_UTC, eta=MONDAY_0930_UTC + timedelta(hours=2),
    )
    # when
    assert alert_about_incident(incident.pk, "opened") == 2
    # then
    to_minsu, to_pilar = mail_to(mailoutbox, minsu), mail_to(mailoutbox, pilar)
    assert to_minsu.subject == "장애 발생: Gateway down"
    assert to_pilar.subject == "Incidente abierto: Gateway down"
    assert "시작 시각: 2026년 3월 2일 6:30 오후 KST" in to_minsu.body  # 09:30 UTC is 18:30 in Seoul
    assert "Solución prevista: 2 de marzo de 2026 a las 12:30 CET" in to_pilar.body
